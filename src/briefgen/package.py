"""Office packages (.pptx, .docx) made byte-identical: one fixed date on every zip member."""
from __future__ import annotations

import datetime as dt
import io
import zipfile


def fixed_zip_times(data: bytes, when: dt.datetime) -> bytes:
    """The same package with every member dated `when`: zipfile stamps members with the clock."""
    # A zip member's date must fall in 1980-2107.
    stamp = min(max(when, dt.datetime(1980, 1, 1)), dt.datetime(2107, 12, 31)).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info))
    return out.getvalue()
