"""Person names for the structured formats (CSL-JSON, RIS): family and given parts of a display name."""

from __future__ import annotations

from dataclasses import dataclass

from litreview.core.paper import Paper
from litreview.core.text import NAME_PARTICLES as _PARTICLES
from litreview.core.text import NAME_SUFFIXES as _SUFFIXES


@dataclass(frozen=True)
class PersonName:
    """A name split for citation formats. `literal` is set for organisations and one-word names."""

    family: str = ""
    given: str = ""
    suffix: str = ""
    literal: str = ""

    def family_first(self) -> str:
        """ "Family, Given" (RIS, BibTeX) or the literal name."""
        if self.literal:
            return self.literal
        parts = [self.family, self.suffix, self.given] if self.suffix else [self.family, self.given]
        return ", ".join(part for part in parts if part)


def split_display_name(name: str) -> PersonName:
    """Split "Given [particles] Family [Jr.]" by the usual Western convention, "Family, Given" at its comma; one
    word -> literal."""
    from litreview.ingest.records import family_and_given

    split = family_and_given(name)
    if split is not None:
        return PersonName(family=split[0], given=split[1])
    parts = [" ".join(part.split()) for part in name.split(",") if part.strip()]
    if len(parts) == 3 and parts[1].lower() in _SUFFIXES:  # BibTeX's "Smith, Jr., John"
        return PersonName(family=parts[0], given=parts[2], suffix=parts[1])
    if len(parts) == 2 and parts[1].lower() not in _SUFFIXES:
        return PersonName(literal=", ".join(parts))  # an organisation's name: "University of California, Berkeley"
    if len(parts) == 2 and " " not in parts[0]:
        return PersonName(family=parts[0], suffix=parts[1])  # "Smith, Jr."
    words = name.split()
    if len(words) <= 1:
        return PersonName(literal=name.strip())
    suffix = ""
    if words[-1].lower().rstrip(",") in _SUFFIXES and len(words) > 2:
        suffix = words.pop()
        words[-1] = words[-1].rstrip(",")  # "John Smith, Jr."
    family_start = len(words) - 1
    while family_start > 1 and words[family_start - 1].lower() in _PARTICLES:
        family_start -= 1
    return PersonName(family=" ".join(words[family_start:]), given=" ".join(words[:family_start]), suffix=suffix)


def paper_person_names(paper: Paper) -> list[PersonName]:
    """The paper's authors as PersonNames: from the BibTeX author field when there is one (exact parts,
    organisations in braces kept whole), else split from the display names."""
    raw = paper.original_fields.get("author") if paper.original_fields else None
    if raw:
        parsed = _names_from_bibtex(raw)
        if len(parsed) == len(paper.authors):
            return parsed
    return [split_display_name(author) for author in paper.authors]


def _names_from_bibtex(raw: str) -> list[PersonName]:
    from bibtexparser.middlewares.names import parse_single_name_into_parts, split_multiple_persons_names

    from litreview.ingest.bibtex import latex_to_unicode

    names = []
    for name in split_multiple_persons_names(" ".join(raw.split())):
        if name.strip().lower() == "others":
            continue
        stripped = name.strip()
        if stripped.startswith("{") and stripped.endswith("}") and "," not in stripped:
            names.append(PersonName(literal=latex_to_unicode(stripped)))
            continue
        try:
            parts = parse_single_name_into_parts(name, strict=False)
        except Exception:  # bibtexparser rejects some odd names: fall back to the display form
            names.append(split_display_name(latex_to_unicode(name)))
            continue
        family = latex_to_unicode(" ".join(parts.von + parts.last))
        given = latex_to_unicode(" ".join(parts.first))
        suffix = latex_to_unicode(" ".join(parts.jr))
        names.append(PersonName(family=family, given=given, suffix=suffix) if given else PersonName(literal=family))
    return names
