/**
 * A job pod's report of its member to the EcmwfRun it works for: a JSON merge patch of the run's
 * status subresource that touches only `status.members.<member>`, so pods of the same run never
 * overwrite each other and the operator keeps the rest of the status.
 *
 * Notes:
 * - Reporting is best effort. A failure to report is logged and never fails the member's work:
 *   the operator derives the member's phase from the Job and its pods anyway.
 * - Transient answers (409, 429, 5xx, no answer at all) are retried a few times with a growing
 *   delay; others (403: the service account may not patch; 404: the run is gone) are not.
 * - Times are RFC 3339 strings; the message is cut to {@link MAX_MESSAGE} characters.
 * - The default patcher uses client-node's `KubeConfig.loadFromDefault()`: `KUBECONFIG`, else
 *   `~/.kube/config`, else the pod's in-cluster service account.
 *
 * @module
 */
import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import {
  ECMWF_RUN,
  GROUP,
  type MemberPhase,
  type MemberStatus,
  VERSION,
} from "../../../operator/src/api/types.js";

export type ReportedPhase = Exclude<MemberPhase, "Pending">;

/** What a pod says about its member: the `status.members.<member>` entry of the CRD (declared there). */
export type MemberReport = MemberStatus & { phase: ReportedPhase };

/** Which run and member the report is about (`GIK_RUN_NAME`, `GIK_RUN_NAMESPACE`, the member name). */
export interface MemberReportTarget {
  name: string;
  namespace: string;
  member: string;
  status: MemberReport;
}

/** Sends a merge patch to the status subresource of EcmwfRun `namespace/name`. */
export type StatusPatcher = (namespace: string, name: string, patch: object) => Promise<void>;

export interface ReportStatusDeps {
  /** Default: {@link kubeStatusPatcher} over `KubeConfig.loadFromDefault()`. */
  patch?: StatusPatcher;
  /** Where a failure to report is told (pino-compatible); default a JSON line on stderr. */
  log?: { warn(fields: Record<string, unknown>, msg?: string): void };
  /** Waits between attempts (injected so tests need no real time). */
  delay?: (ms: number) => Promise<void>;
  /** Attempts in all, default 4 (delays 250 ms, 500 ms, 1 s). */
  attempts?: number;
}

export const MAX_MESSAGE = 2048;

/** The merge patch `{"status":{"members":{"<member>":{…}}}}`, without empty fields. Pure. */
export function memberStatusPatch(target: MemberReportTarget): object {
  const { message, ...rest } = target.status;
  const entry = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  if (message !== undefined)
    entry.message = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message;
  return { status: { members: { [target.member]: entry } } };
}

/**
 * Reports `target.status` for `target.member`; resolves `true` once the API server took it,
 * `false` when it gave up (never rejects).
 *
 * @example
 * await reportMemberStatus({ name: "er-20250101", namespace: "gik", member: "ens01",
 *   status: { phase: "Succeeded", output: "s3://out/20250101/00z/ens01.parquet", refs: 81234 } });
 */
export async function reportMemberStatus(
  target: MemberReportTarget,
  deps: ReportStatusDeps = {},
): Promise<boolean> {
  const log = deps.log ?? stderrLog;
  const delay = deps.delay ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const attempts = deps.attempts ?? 4;
  const where = {
    run: `${target.namespace}/${target.name}`,
    member: target.member,
    phase: target.status.phase,
  };
  let patch: StatusPatcher;
  try {
    patch = deps.patch ?? kubeStatusPatcher();
  } catch (err) {
    log.warn({ ...where, err: describe(err) }, "cannot report member status: no Kubernetes configuration");
    return false;
  }
  const body = memberStatusPatch(target);
  for (let attempt = 1; ; attempt++) {
    try {
      await patch(target.namespace, target.name, body);
      return true;
    } catch (err) {
      const status = httpStatus(err);
      const transient = status === undefined || status === 409 || status === 429 || status >= 500;
      if (!transient || attempt >= attempts) {
        log.warn(
          { ...where, status, attempt, err: describe(err) },
          "could not report member status; continuing",
        );
        return false;
      }
      await delay(250 * 2 ** (attempt - 1));
    }
  }
}

/** A {@link StatusPatcher} over client-node, configured from the default places. */
export function kubeStatusPatcher(kc: KubeConfig = defaultKubeConfig()): StatusPatcher {
  const api = kc.makeApiClient(CustomObjectsApi);
  const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
  return async (namespace, name, body) => {
    await api.patchNamespacedCustomObjectStatus(
      { group: GROUP, version: VERSION, plural: ECMWF_RUN.plural, namespace, name, body },
      mergePatch,
    );
  };
}

function defaultKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  if (!kc.getCurrentCluster()) throw new Error("no cluster in the Kubernetes configuration");
  return kc;
}

/** The HTTP status of a client-node error (`ApiException.code`), if it has one. */
function httpStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const stderrLog = {
  warn(fields: Record<string, unknown>, msg?: string): void {
    process.stderr.write(`${JSON.stringify({ level: 40, time: Date.now(), msg, ...fields })}\n`);
  },
};
