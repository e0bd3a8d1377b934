/**
 * `gik collection info URL`: the runs a forecast collection holds, their members and the gaps.
 *
 * @module
 */
import { CollectionError, UsageError } from "../../api/errors.js";
import { collectionInfo } from "../../collection/info.js";
import { recordOf } from "../../collection/plan.js";
import { ZMETADATA } from "../../refs/consolidated.js";
import { openStore } from "../../storage/open.js";
import { type Command, EXIT } from "../command.js";

export const collectionInfoCommand: Command = {
  name: "collection info",
  summary: "List the runs a forecast collection holds, their members and any gaps.",
  usage: "gik collection info URL",
  options: {},
  async run(_values, positionals, ctx) {
    const url = positionals[0];
    if (!url || positionals.length > 1)
      throw new UsageError("URL", "give exactly one collection URL or path");
    const store = openStore(url.replace(/\/+$/, ""));
    const bytes = await store.get(ZMETADATA);
    if (!bytes) throw new CollectionError(store.url(""), "no collection here (no .zmetadata)");
    let doc: unknown;
    try {
      doc = JSON.parse(new TextDecoder().decode(bytes));
    } catch (cause) {
      throw new CollectionError(store.url(""), `its ${ZMETADATA} is not JSON`, { cause });
    }
    for (const line of collectionInfo(recordOf(doc, store.url("")), store.url(""))) ctx.print(line);
    return EXIT.OK;
  },
};
