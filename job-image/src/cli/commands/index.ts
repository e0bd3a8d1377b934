/** Every command of the `gik` executable, in the order help lists them. */
import type { Command } from "../command.js";
import { collectionInfoCommand } from "./collection-info.js";
import { jobCommand } from "./job.js";
import { runCommand } from "./run.js";
import { runsListCommand } from "./runs-list.js";
import { templatesBuildCommand } from "./templates-build.js";
import { verifyCommand } from "./verify.js";

export const COMMANDS: readonly Command[] = [
  runCommand,
  templatesBuildCommand,
  collectionInfoCommand,
  runsListCommand,
  verifyCommand,
  jobCommand,
];
