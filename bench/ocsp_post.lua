-- wrk: POST the DER OCSP request in the file $OCSP_REQUEST; prints the figures bench/ocsp.py reads (p95.lua).
local file = assert(io.open(os.getenv("OCSP_REQUEST"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/ocsp-request"
dofile(os.getenv("P95_LUA"))
