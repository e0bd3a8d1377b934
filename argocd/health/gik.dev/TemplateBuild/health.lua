-- Argo CD health of a gik.dev/v1alpha1 TemplateBuild, from the status the gik operator writes.
-- Lua 5.1 (Argo CD's gopher-lua) and 5.4 alike.
--   Progressing  not yet seen by the operator, or its Job running or about to
--   Healthy      every shard succeeded: `status.store` holds the templates
--   Degraded     a spec the operator cannot act on (Stalled), or a shard failed for good (Failed:
--                partial templates are of no use, so a build never partially succeeds)
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

local done = (status.completedShards or 0) .. "/" .. (status.totalShards or "?") .. " shards succeeded"
if status.phase == "Succeeded" then
  hs.status = "Healthy"
  hs.message = "Templates ready: " .. (status.store or "")
elseif status.phase == "Failed" then
  local failed = condition(status, "Failed")
  hs.status = "Degraded"
  hs.message = "Failed: " .. done
  if failed ~= nil and failed.message ~= nil and failed.message ~= "" then
    hs.message = hs.message .. "; " .. failed.message
  end
else
  hs.message = (status.phase or "Pending") .. ": " .. done
end
return hs
