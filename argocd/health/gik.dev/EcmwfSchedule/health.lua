-- Argo CD health of a gik.dev/v1alpha1 EcmwfSchedule, from the status the gik operator writes
-- (observedGeneration, conditions Ready, Stalled, LastRunSucceeded). Lua 5.1 (Argo CD's
-- gopher-lua) and 5.4 alike.
--   Progressing  not yet seen by the operator, or a due cycle waiting for an active run to end
--                (concurrencyPolicy Forbid)
--   Suspended    spec.suspend: no runs are made
--   Healthy      runs are made as cycles come due, and the latest run that ended succeeded (or
--                none has ended yet)
--   Degraded     a spec the operator cannot act on (Stalled), or the latest run that ended failed
--                or partially succeeded (the run itself says which members)
-- Argo CD runs each health.lua alone (no require), so the opening checks repeat in every kind's file.
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

local ready = condition(status, "Ready")
if ready ~= nil and ready.reason == "Suspended" then
  hs.status = "Suspended"
  hs.message = "Suspended: no runs are made"
  return hs
end

local lastRun = condition(status, "LastRunSucceeded")
if lastRun ~= nil and lastRun.status == "False" then
  hs.status = "Degraded"
  hs.message = "Latest run ended badly: " .. (lastRun.message or "")
  return hs
end

local active = (status.activeCount or 0) .. " active"
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = active .. "; " .. (ready.message or "")
elseif ready ~= nil then
  hs.message = (ready.reason or "") .. ": " .. (ready.message or "")
end
return hs
