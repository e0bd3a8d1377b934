import { memoryStore } from "../../../job-image/src/storage/memory.js";
import { describeStoreConformance } from "./conformance.js";

const store = memoryStore("conformance");
describeStoreConformance("memory", () => store);
