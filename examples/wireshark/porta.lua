-- Wireshark/tshark dissectors for porta's two datagram headers (see docs/observability.md):
--
--   porta       the request/response header of @porta/reliability's requester and serveRequests:
--               'PR' | version 1 | kind (0 request, 1 reply) | attempt (16 bits) | id (64 bits) | payload
--   porta_auth  the header of sign/verify (version 1):
--               version | mode (1 hmac-sha256, 2 aes-256-gcm, 3 chacha20-poly1305) | sender id (64 bits)
--               | counter (64 bits) | payload | tag (32 bytes for HMAC, 16 for the AEADs)
--
-- Both are heuristic UDP dissectors (porta has no fixed port). Use:
--   tshark -X lua_script:examples/wireshark/porta.lua -r capture.pcapng
--   wireshark -X lua_script:examples/wireshark/porta.lua capture.pcapng   (or copy it into the
--   personal Lua plugins folder: Help → About Wireshark → Folders)
-- Filters: porta, porta.kind == 1, porta.attempt > 1, porta.id == 0x…, porta_auth.counter, …

local HEADER = 14
local kinds = { [0] = "request", [1] = "reply" }

local porta = Proto("porta", "porta request/response")
local f = {
  magic = ProtoField.string("porta.magic", "Magic"),
  version = ProtoField.uint8("porta.version", "Version"),
  kind = ProtoField.uint8("porta.kind", "Kind", base.DEC, kinds),
  attempt = ProtoField.uint16("porta.attempt", "Attempt"),
  id = ProtoField.uint64("porta.id", "Request id", base.HEX),
  payload = ProtoField.bytes("porta.payload", "Payload"),
  text = ProtoField.string("porta.text", "Payload (text)"),
}
porta.fields = { f.magic, f.version, f.kind, f.attempt, f.id, f.payload, f.text }

local function looks_like_porta(buf)
  if buf:len() < HEADER then return false end
  if buf(0, 2):string() ~= "PR" or buf(2, 1):uint() ~= 1 then return false end
  return buf(3, 1):uint() <= 1 and buf(4, 2):uint() >= 1
end

--- True when every byte is printable ASCII (or tab, CR, LF): worth showing as text.
local function printable(range)
  local bytes = range:bytes()
  for i = 0, bytes:len() - 1 do
    local b = bytes:get_index(i)
    if (b < 32 or b > 126) and b ~= 9 and b ~= 10 and b ~= 13 then return false end
  end
  return true
end

function porta.dissector(buf, pinfo, tree)
  if not looks_like_porta(buf) then return 0 end
  local kind = kinds[buf(3, 1):uint()]
  local attempt = buf(4, 2):uint()
  local id = buf(6, 8):uint64()
  pinfo.cols.protocol = "porta"
  pinfo.cols.info = string.format("%s id=0x%s attempt %d, %d bytes", kind, id:tohex(), attempt, buf:len() - HEADER)
  local t = tree:add(porta, buf(), string.format("porta %s, attempt %d", kind, attempt))
  t:add(f.magic, buf(0, 2))
  t:add(f.version, buf(2, 1))
  t:add(f.kind, buf(3, 1))
  t:add(f.attempt, buf(4, 2))
  t:add(f.id, buf(6, 8))
  if buf:len() > HEADER then
    local payload = buf(HEADER)
    t:add(f.payload, payload)
    if printable(payload) then t:add(f.text, payload) end
  end
  return buf:len()
end

porta:register_heuristic("udp", function(buf, pinfo, tree)
  if not looks_like_porta(buf) then return false end
  porta.dissector(buf, pinfo, tree)
  return true
end)

local AUTH_HEADER = 18
local modes = { [1] = "hmac-sha256", [2] = "aes-256-gcm", [3] = "chacha20-poly1305" }
local tags = { [1] = 32, [2] = 16, [3] = 16 }

local auth = Proto("porta_auth", "porta signed datagram")
local a = {
  version = ProtoField.uint8("porta_auth.version", "Version"),
  mode = ProtoField.uint8("porta_auth.mode", "Mode", base.DEC, modes),
  sender = ProtoField.uint64("porta_auth.sender", "Sender id", base.HEX),
  counter = ProtoField.uint64("porta_auth.counter", "Counter"),
  payload = ProtoField.bytes("porta_auth.payload", "Payload (clear text for HMAC, cipher text for an AEAD)"),
  tag = ProtoField.bytes("porta_auth.tag", "Tag"),
}
auth.fields = { a.version, a.mode, a.sender, a.counter, a.payload, a.tag }

local function auth_mode(buf)
  if buf:len() < AUTH_HEADER or buf(0, 1):uint() ~= 1 then return nil end
  local mode = buf(1, 1):uint()
  local tag = tags[mode]
  if tag == nil or buf:len() < AUTH_HEADER + tag then return nil end
  return mode, tag
end

function auth.dissector(buf, pinfo, tree)
  local mode, tag = auth_mode(buf)
  if mode == nil then return 0 end
  local length = buf:len() - AUTH_HEADER - tag
  local counter = buf(10, 8):uint64()
  local t = tree:add(auth, buf(), string.format("porta signed datagram, %s, counter %s", modes[mode], tostring(counter)))
  t:add(a.version, buf(0, 1))
  t:add(a.mode, buf(1, 1))
  t:add(a.sender, buf(2, 8))
  t:add(a.counter, buf(10, 8))
  if length > 0 then t:add(a.payload, buf(AUTH_HEADER, length)) end
  t:add(a.tag, buf(AUTH_HEADER + length, tag))
  pinfo.cols.protocol = "porta_auth"
  pinfo.cols.info = string.format("signed (%s) sender 0x%s counter %s, %d bytes", modes[mode],
    buf(2, 8):uint64():tohex(), tostring(counter), length)
  -- Under HMAC the payload is clear text: a porta request or reply inside is dissected too.
  if mode == 1 and length > 0 then porta.dissector(buf(AUTH_HEADER, length):tvb(), pinfo, t) end
  return buf:len()
end

auth:register_heuristic("udp", function(buf, pinfo, tree)
  if auth_mode(buf) == nil then return false end
  auth.dissector(buf, pinfo, tree)
  return true
end)
