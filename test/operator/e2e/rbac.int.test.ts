/**
 * The RBAC manifests of `operator/rbac/`, applied as an administrator does, checked with
 * `kubectl auth can-i` impersonating each service account: the operator and the Job pods can do
 * what they need (the end-to-end tests run the operator as its account and the pods as theirs) and
 * nothing broader: no Secrets, no `pods/exec`, no pods of their own, no change of a spec, no
 * deletes but of EcmwfRuns (a schedule's Replace and history limits); the Job pods nothing at all
 * (they report through their termination message).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { installCrds, namespaceName } from "../helpers/cluster.js";
import { kubectlFor } from "../helpers/kubectl.js";
import {
  applyRbac,
  JOB_SERVICE_ACCOUNT,
  OPERATOR_NAMESPACE,
  OPERATOR_SERVICE_ACCOUNT,
  ok,
  rbacManifest,
} from "./cluster.js";

const infra = inject("infra");
const kubectl = kubectlFor(infra.kube);
const NS = namespaceName("gik-rbac");
const OTHER = namespaceName("gik-rbac-other");
const OPERATOR = `system:serviceaccount:${OPERATOR_NAMESPACE}:${OPERATOR_SERVICE_ACCOUNT}`;
const JOB = `system:serviceaccount:${NS}:${JOB_SERVICE_ACCOUNT}`;

beforeAll(async () => {
  await installCrds(kubectl);
  await applyRbac(kubectl);
  for (const ns of [NS, OTHER]) {
    ok(await kubectl(["create", "namespace", ns]));
    ok(await kubectl(["apply", "-n", ns, "-f", rbacManifest("job-namespace.yaml")]));
  }
});
afterAll(async () => {
  for (const ns of [NS, OTHER]) await kubectl(["delete", "namespace", ns, "--wait=false"]);
});

/** `kubectl auth can-i <args> --as=<user>`: "yes" or "no". */
async function canI(user: string, args: string[]): Promise<string> {
  const r = await kubectl(["auth", "can-i", ...args, `--as=${user}`]);
  const answer = r.stdout.trim();
  expect(["yes", "no"], r.out).toContain(answer);
  return answer;
}

/** The rules `kubectl auth can-i --list` shows for `user` in `ns`, without those every account has. */
async function ownRules(user: string, ns: string): Promise<string[]> {
  const out = ok(await kubectl(["auth", "can-i", "--list", "-n", ns, `--as=${user}`]));
  return (
    out
      .trim()
      .split("\n")
      .slice(1)
      .map((line) =>
        line
          .trim()
          .split(/\s{2,}/)
          .join(" | "),
      )
      // Without the self-reviews and non-resource URLs every authenticated user has.
      .filter((line) => !/^selfsubject/.test(line) && !line.startsWith("["))
      .sort()
  );
}

describe("the operator's service account", () => {
  it.each([
    ["watches runs in every namespace", ["list", "ecmwfruns.gik.dev", "-A"]],
    ["watches TemplateBuilds in every namespace", ["watch", "templatebuilds.gik.dev", "-A"]],
    ["watches EcmwfSchedules in every namespace", ["watch", "ecmwfschedules.gik.dev", "-A"]],
    ["patches a schedule's status", ["patch", "ecmwfschedules.gik.dev", "--subresource=status", "-n", NS]],
    [
      "sets owner references to schedules that block deletion",
      ["update", "ecmwfschedules.gik.dev", "--subresource=finalizers", "-n", NS],
    ],
    ["creates the runs of schedules", ["create", "ecmwfruns.gik.dev", "-n", NS]],
    ["deletes runs (Replace, history limits)", ["delete", "ecmwfruns.gik.dev", "-n", NS]],
    ["patches a run's status", ["patch", "ecmwfruns.gik.dev", "--subresource=status", "-n", NS]],
    [
      "patches a TemplateBuild's status",
      ["patch", "templatebuilds.gik.dev", "--subresource=status", "-n", NS],
    ],
    [
      "sets owner references that block deletion",
      ["update", "ecmwfruns.gik.dev", "--subresource=finalizers", "-n", NS],
    ],
    ["creates Jobs (server-side apply)", ["create", "jobs.batch", "-n", NS]],
    ["patches Jobs", ["patch", "jobs.batch", "-n", NS]],
    ["watches Jobs in every namespace", ["watch", "jobs.batch", "-A"]],
    ["watches pods in every namespace", ["watch", "pods", "-A"]],
    ["reads pods' logs (a waiting member's source record)", ["get", "pods", "--subresource=log", "-n", NS]],
    ["records Events", ["create", "events", "-n", NS]],
    ["creates its Lease", ["create", "leases.coordination.k8s.io", "-n", OPERATOR_NAMESPACE]],
    ["renews its Lease", ["update", "leases.coordination.k8s.io/gik-operator", "-n", OPERATOR_NAMESPACE]],
  ])("can: %s", async (_what, args) => {
    expect(await canI(OPERATOR, args)).toBe("yes");
  });

  it.each([
    ["read Secrets cluster-wide", ["get", "secrets", "-A"]],
    ["list Secrets of a run namespace", ["list", "secrets", "-n", NS]],
    ["read Secrets of its own namespace", ["get", "secrets", "-n", OPERATOR_NAMESPACE]],
    ["exec into pods", ["create", "pods", "--subresource=exec", "-n", NS]],
    ["create pods", ["create", "pods", "-n", NS]],
    ["delete Jobs", ["delete", "jobs.batch", "-n", NS]],
    ["change a run's spec", ["patch", "ecmwfruns.gik.dev", "-n", NS]],
    ["replace a run", ["update", "ecmwfruns.gik.dev", "-n", NS]],
    ["delete runs by collection", ["deletecollection", "ecmwfruns.gik.dev", "-n", NS]],
    ["change a schedule's spec", ["patch", "ecmwfschedules.gik.dev", "-n", NS]],
    ["create schedules", ["create", "ecmwfschedules.gik.dev", "-n", NS]],
    ["delete schedules", ["delete", "ecmwfschedules.gik.dev", "-n", NS]],
    ["delete TemplateBuilds", ["delete", "templatebuilds.gik.dev", "-n", NS]],
    ["take another Lease", ["update", "leases.coordination.k8s.io/kube-scheduler", "-n", OPERATOR_NAMESPACE]],
    ["make Leases elsewhere", ["create", "leases.coordination.k8s.io", "-n", NS]],
    ["mint tokens", ["create", "serviceaccounts", "--subresource=token", "-n", NS]],
    ["read ConfigMaps", ["get", "configmaps", "-n", NS]],
    ["grant itself more", ["create", "clusterrolebindings.rbac.authorization.k8s.io"]],
    ["impersonate", ["impersonate", "serviceaccounts", "-n", NS]],
  ])("cannot: %s", async (_what, args) => {
    expect(await canI(OPERATOR, args)).toBe("no");
  });

  it("has exactly the rules of operator.yaml in a run namespace", async () => {
    const rules = await ownRules(OPERATOR, NS);
    console.log(rules.join("\n"));
    expect(rules).toEqual([
      "ecmwfruns.gik.dev | [] | [] | [get list watch create delete]",
      "ecmwfruns.gik.dev/finalizers | [] | [] | [update]",
      "ecmwfruns.gik.dev/status | [] | [] | [patch]",
      "ecmwfschedules.gik.dev | [] | [] | [get list watch]",
      "ecmwfschedules.gik.dev/finalizers | [] | [] | [update]",
      "ecmwfschedules.gik.dev/status | [] | [] | [patch]",
      "events | [] | [] | [create]",
      "jobs.batch | [] | [] | [get list watch create patch]",
      "pods | [] | [] | [get list watch]",
      "pods/log | [] | [] | [get]",
      "templatebuilds.gik.dev | [] | [] | [get list watch]",
      "templatebuilds.gik.dev/finalizers | [] | [] | [update]",
      "templatebuilds.gik.dev/status | [] | [] | [patch]",
    ]);
  });
});

describe("the Job pods' service account", () => {
  it.each([
    ...["get", "list", "watch", "create", "update", "patch", "delete"].flatMap((verb) => [
      [`${verb} runs`, [verb, "ecmwfruns.gik.dev", "-n", NS]],
      [`${verb} the status of runs`, [verb, "ecmwfruns.gik.dev", "--subresource=status", "-n", NS]],
      [`${verb} TemplateBuilds`, [verb, "templatebuilds.gik.dev", "-n", NS]],
      [`${verb} EcmwfSchedules`, [verb, "ecmwfschedules.gik.dev", "-n", NS]],
      [`${verb} pods`, [verb, "pods", "-n", NS]],
      [`${verb} Secrets`, [verb, "secrets", "-n", NS]],
    ]),
    ["read Secrets cluster-wide", ["get", "secrets", "-A"]],
    ["exec into pods", ["create", "pods", "--subresource=exec", "-n", NS]],
    ["record Events", ["create", "events", "-n", NS]],
    ["touch Jobs", ["patch", "jobs.batch", "-n", NS]],
    ["patch runs of another namespace", ["patch", "ecmwfruns.gik.dev", "--subresource=status", "-n", OTHER]],
  ])("cannot %s", async (_what, args) => {
    expect(await canI(JOB, args as string[])).toBe("no");
  });

  it("has no rule of its own, and mounts no token", async () => {
    const rules = await ownRules(JOB, NS);
    console.log(rules.join("\n") || "(no rules)");
    expect(rules).toEqual([]);
    const account = JSON.parse(
      ok(await kubectl(["get", "serviceaccount", JOB_SERVICE_ACCOUNT, "-n", NS, "-o", "json"])),
    );
    expect(account.automountServiceAccountToken).toBe(false);
  });
});
