"""The upload page: an ASGI app that turns uploaded workbooks into on-screen findings and downloads.

`settings` (limits, shared state), `store` (results in memory under random tokens), `pages`
(error pages and replies), `middleware` (body-size limit, security headers), `sniff` (what an
upload is, from its bytes), `jobs` (uploads through the shared worker core), `results` (the
results page and downloads), `app` (the Starlette routes; the only module importing starlette)
and `server` (uvicorn; the only module importing it).
"""
