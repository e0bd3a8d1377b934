/** Every command of the `gik` executable, in the order help lists them. */
import type { Command } from "../command.js";
import { runCommand } from "./run.js";
import { templatesBuildCommand } from "./templates-build.js";

export const COMMANDS: readonly Command[] = [runCommand, templatesBuildCommand];
