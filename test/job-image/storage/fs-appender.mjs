// One appender process for the fs race test: adds `count` entries named `<writer>-<n>` to the JSON
// counter at `key` of the fs store at `root` by read-modify-write with conditional puts, starting
// over on every refusal. After its first read it prints "read" and waits for a line on stdin, so
// the test can make two processes write on the same version; at the end it prints its refusals.
// Runs the built store (`dist/`). Usage: node fs-appender.mjs <fs.js URL> <root> <key> <writer> <count>
import { once } from "node:events";
import { createInterface } from "node:readline";

const [storeModule, root, key, writer, count] = process.argv.slice(2);
const { fsStore } = await import(storeModule);
const store = fsStore(root);
const encode = (value) => new TextEncoder().encode(JSON.stringify(value));
const lines = createInterface({ input: process.stdin });
let refusals = 0;
for (let n = 0; n < Number(count); n++) {
  for (;;) {
    const current = await store.getVersioned(key);
    const counter = current ? JSON.parse(new TextDecoder().decode(current.bytes)) : { count: 0, writers: [] };
    if (n === 0 && refusals === 0) {
      process.stdout.write("read\n");
      await once(lines, "line");
      lines.close();
    }
    const next = encode({ count: counter.count + 1, writers: [...counter.writers, `${writer}-${n}`] });
    try {
      await store.put(key, next, current ? { ifMatch: current.version } : { ifNoneMatch: "*" });
      break;
    } catch (err) {
      if (err?._tag !== "PreconditionFailedError") throw err;
      refusals++;
    }
  }
}
process.stdout.write(`refusals ${refusals}\n`);
