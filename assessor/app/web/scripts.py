"""The page's one script, allowed by its hash in the CSP (no other script runs).

It only improves what works without it: the upload form is sent once (the button is disabled
and says what is happening), and a page restored from the back-forward cache is usable again.
"""

from __future__ import annotations

import base64
import hashlib

SUBMIT_ONCE = (
    "document.addEventListener('submit',function(e){"
    "var f=e.target;if(!f.matches('form[data-once]'))return;"
    "if(f.dataset.sent){e.preventDefault();return;}"
    "f.dataset.sent='1';"
    "var b=f.querySelector('button[type=submit]');"
    "if(b){b.disabled=true;b.textContent='Uploading\\u2026';}"
    "var s=document.getElementById('submit-status');"
    "if(s){s.textContent='Uploading the workbooks; the next page shows the progress.';}"
    "});"
    "window.addEventListener('pageshow',function(){"
    "document.querySelectorAll('form[data-once]').forEach(function(f){"
    "delete f.dataset.sent;var b=f.querySelector('button[type=submit]');"
    "if(b){b.disabled=false;b.textContent=b.dataset.label||b.textContent;}});"
    "});"
)


def csp_hash(script: str) -> str:
    """`'sha256-…'`: the CSP source that allows exactly this inline script."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


SCRIPT_SOURCES = csp_hash(SUBMIT_ONCE)
