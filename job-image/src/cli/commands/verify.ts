/**
 * `gik verify STORE`: trust, checked. Exit 0 when every check passes, 1 on any fault.
 *
 * @module
 */
import { UsageError } from "../../api/errors.js";
import { verifyStoreAt } from "../../verify/verify-url.js";
import { type Command, EXIT } from "../command.js";
import { positiveInt } from "../run-options.js";

export const verifyCommand: Command = {
  name: "verify",
  summary: "Check a store: every reference inside its file, sampled messages whole and as described.",
  usage: "gik verify STORE [--sample N|all] [--seed S]",
  options: {
    sample: { type: "string", value: "N|all", description: "references to read and check", default: "50" },
    seed: { type: "string", value: "S", description: "seed of the sample", default: "1" },
  },
  async run(values, positionals, ctx) {
    const url = positionals[0];
    if (!url || positionals.length > 1) throw new UsageError("STORE", "give exactly one store URL or path");
    const sampleText = (values.sample as string | undefined) ?? "50";
    const sample = sampleText === "all" ? Number.POSITIVE_INFINITY : positiveInt(sampleText, "--sample");
    const seed = positiveInt((values.seed as string | undefined) ?? "1", "--seed");
    const report = await verifyStoreAt(url, { sample, seed });
    for (const fault of report.faults) ctx.print(`FAULT ${fault}`);
    ctx.print(
      `${url}: ${report.chunks} references into ${report.files} files, ${report.sampled} read and checked, ` +
        `${report.faults.length === 0 ? "no faults" : `${report.faults.length} faults`}`,
    );
    return report.faults.length === 0 ? EXIT.OK : EXIT.FAILED;
  },
};
