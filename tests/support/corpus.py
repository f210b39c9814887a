"""A small mixed-format corpus (text, Markdown, HTML, JSONL) for the engine tests, and writing one."""

from __future__ import annotations

from pathlib import Path

DOCS = {
    "vaccines.txt": "Vaccines train the immune system. The mRNA vaccine was developed in 2020 by several teams. "
    "It encodes the spike protein of SARS-CoV-2.",
    "masks.md": "# Masks\n\nSurgical masks reduce droplet transmission. N95 respirators filter 95 percent of "
    "airborne particles.",
    "bats.html": "<html><head><title>Bats</title><script>var x = 1;</script></head><body><h1>Bats</h1>"
    "<p>Horseshoe bats are a natural reservoir of coronaviruses.</p></body></html>",
    "notes/records.jsonl": '{"id": "r1", "title": "Incubation", "text": "The incubation period of COVID-19 is '
    'about five days."}\n{"id": "r2", "text": "Remdesivir is an antiviral drug tested against Ebola."}\n',
}


def write_corpus(folder: Path, docs: dict[str, str]) -> None:
    for name, text in docs.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
