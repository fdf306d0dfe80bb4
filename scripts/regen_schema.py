"""Regenerate newscrawl/schema/article.schema.json from the record model (run after editing it)."""

import json
from pathlib import Path

from newscrawl.record import json_schema

path = Path(__file__).resolve().parent.parent / "newscrawl" / "schema" / "article.schema.json"
path.write_text(json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
print(f"wrote {path}")
