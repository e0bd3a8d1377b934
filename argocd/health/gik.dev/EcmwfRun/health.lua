-- Argo CD health of a gik.dev/v1alpha1 EcmwfRun, from the status the gik operator writes
-- (phase, observedGeneration, conditions). Lua 5.1 (Argo CD's gopher-lua) and 5.4 alike.
--   Progressing  not yet seen by the operator, waiting for a TemplateBuild that is being built,
--                a Job running or about to, waiting in its queue (Queued), or its members done and
--                their commit (ensemble store, collection append) pending or running
--   Suspended    waiting for a TemplateBuild that does not exist or has failed: nothing happens
--                until someone creates or fixes it (the run itself has not failed)
--   Healthy      every member succeeded (and the commit, when the run has one)
--   Degraded     a spec the operator cannot act on (Stalled), or members failed for good
--                (Failed, and PartiallySucceeded: some stores are missing)
-- Argo CD runs each health.lua alone (no require), so the opening checks repeat in both kinds' files.
local hs = { status = "Progressing", message = "Waiting for the gik operator" }

local function condition(status, type)
  for _, c in ipairs(status.conditions or {}) do
    if c.type == type then
      return c
    end
  end
  return nil
end

local status = obj.status
if status == nil or status.observedGeneration == nil then
  return hs
end
local generation = obj.metadata.generation
if generation ~= nil and status.observedGeneration < generation then
  hs.message = "Waiting for the gik operator to see generation " .. generation
  return hs
end

local stalled = condition(status, "Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = "Stalled: " .. (stalled.message or "")
  return hs
end

local done = (status.completedMembers or 0) .. "/" .. (status.totalMembers or "?") .. " members succeeded"
local failed = condition(status, "Failed")
if status.phase == "Succeeded" then
  hs.status = "Healthy"
  hs.message = done
elseif status.phase == "PartiallySucceeded" or status.phase == "Failed" then
  hs.status = "Degraded"
  hs.message = status.phase .. ": " .. done
  if failed ~= nil and failed.message ~= nil and failed.message ~= "" then
    hs.message = hs.message .. "; " .. failed.message
  end
else
  local templates = condition(status, "TemplatesReady")
  if templates ~= nil and templates.status == "False" then
    if templates.reason == "TemplateBuildNotFound" or templates.reason == "TemplateBuildFailed" then
      hs.status = "Suspended"
    end
    hs.message = "Waiting for templates: " .. (templates.message or "")
  else
    local progressing = condition(status, "Progressing")
    hs.message = (status.phase or "Pending") .. ": " .. done
    if progressing ~= nil and progressing.message ~= nil and progressing.message ~= "" then
      -- Why it is not yet over: a wait, its queue, or its commit (the members' counts say the rest).
      local why = progressing.status == "False" or progressing.reason == "JobQueued"
        or progressing.reason == "CommitPending" or progressing.reason == "CommitRunning"
      if why then
        hs.message = hs.message .. "; " .. progressing.message
      end
    end
  end
end
return hs
