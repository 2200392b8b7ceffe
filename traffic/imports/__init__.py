"""The import of the municipalities' message traffic: one upload of a message or a ZIP of up to
30, each message recognised (301, 323 or 325; youth or Wmo) and imported all-or-nothing on its
own, allocations before declarations before returns so each can link to the one before."""

from traffic.imports.upload import MAX_BYTES, MAX_FILES, FileResult, TrafficResult, import_message, import_upload

__all__ = ["MAX_BYTES", "MAX_FILES", "FileResult", "TrafficResult", "import_message", "import_upload"]
