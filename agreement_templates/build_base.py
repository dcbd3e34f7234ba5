"""Write the Word base document to a file so its styles can be reviewed in Word.

The application does not read this file: app/agreements/docx_base.py builds the same base in
memory on first use. Change styles there, run this script, and open the result in Word.

    .venv/bin/python agreement_templates/build_base.py [out.docx]   # default: base.docx here
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.agreements.docx_base import build_base_docx  # noqa: E402


def main(argv: list[str]) -> None:
    target = Path(argv[1]) if len(argv) > 1 else Path("base.docx")
    target.write_bytes(build_base_docx())
    print(f"wrote {target}")


if __name__ == "__main__":
    main(sys.argv)
