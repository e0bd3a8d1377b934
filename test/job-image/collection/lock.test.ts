import { memoryStore } from "../../../job-image/src/storage/memory.js";
import { describeAppendLock } from "./lock-suite.js";

describeAppendLock("memory", (root) => memoryStore(root));
