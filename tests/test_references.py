"""References (issue #16): reading reference lists from generated and real PDFs, parsing single entries,
storing and resolving them in a library, the citation graph and the CLI."""

from __future__ import annotations

import json
import re
import sqlite3
import textwrap
from pathlib import Path

import pymupdf
import pytest

from litreview.analysis.citations import coupling, missing_works, reference_step, resolve_references
from litreview.cli import main as cli_main
from litreview.core.paper import IngestError, ParsedPaper
from litreview.ingest.pdf import NO_TEXT_LAYER, extraction_json, parse_reference, read_pdf, read_references
from litreview.ingest.pdf.references import ListSoFar
from litreview.library import open_library
from litreview.library.migrations import MIGRATIONS
from litreview.library.references import citing_papers, references_of
from litreview.pipeline import drive, run_import

# Works that the generated papers cite; each paper cites a slice of them, so some are cited by two or more.
WORKS = [
    ("Smith J, Brown K", "Deep venous thrombosis in trauma patients", "J Trauma", 2001, "45", "112-118"),
    ("Garcia M, Lee H", "Prophylaxis of pulmonary embolism after surgery", "Lancet", 1998, "351", "1234-1240"),
    ("Novak P", "Low molecular weight heparin in orthopaedic surgery", "BMJ", 2005, "330", "77-81"),
    ("Okafor C, Tanaka Y, Silva R", "Mechanical compression devices compared", "Chest", 2010, "137", "55-62"),
    ("Weber A", "Inferior vena cava filters revisited", "Radiology", 2012, "262", "301-309"),
    ("Haddad F, Kim S", "Risk scores for venous thromboembolism", "Thromb Res", 2015, "135", "9-15"),
    ("Ivanova T", "Bleeding complications of anticoagulation", "Blood", 2008, "112", "2001-2008"),
    ("Murphy D, Chen L", "Ultrasound screening of the lower limbs", "Am J Surg", 2003, "186", "400-405"),
]


def vancouver(work: tuple) -> str:
    authors, title, venue, year, volume, pages = work
    return f"{authors}. {title}. {venue} {year};{volume}:{pages}."


def _save(doc: pymupdf.Document, path: Path) -> Path:
    doc.save(path)
    doc.close()
    return path


def _body_page(page: pymupdf.Page, title: str, number: int) -> None:
    page.insert_text((72, 40), "Journal of Generated Tests", fontsize=8)
    page.insert_text((520, 810), str(number), fontsize=8)
    if number == 1:
        page.insert_text((72, 100), title, fontsize=18)
        page.insert_text((72, 130), "Ada Lovelace and Charles Babbage", fontsize=11)
        page.insert_text((72, 170), "Abstract", fontsize=11, fontname="hebo")
    y = 190
    for _ in range(20):
        page.insert_text((72, y), "Trauma patients are at high risk of venous thromboembolism.", fontsize=10)
        y += 14


def _references_page(doc: pymupdf.Document, title: str) -> pymupdf.Page:
    """A body page of a paper titled `title`, then a page headed "References" (entries may start at y = 100)."""
    _body_page(doc.new_page(), title, 1)
    page = doc.new_page()
    page.insert_text((60, 80), "References", fontsize=12, fontname="hebo")
    return page


def _write_entries(page: pymupdf.Page, entries: list[str], *, x: float = 60, y: float = 100) -> float:
    """Each entry wrapped at 52 characters in 8 pt, its later rows indented (a hanging indent); where the next row
    would go."""
    for entry in entries:
        for index, line in enumerate(_wrap(entry, 52)):
            page.insert_text((x + (0 if index == 0 else 12), y), line, fontsize=8)
            y += 11
    return y


def _write_rows(page: pymupdf.Page, rows: list[str], y: float = 100) -> float:
    """One row each, flush left in 8 pt from `y` down; where the next row would go."""
    for row in rows:
        page.insert_text((60, y), row, fontsize=8)
        y += 11
    return y


def _titles_and_years(works: list) -> list[tuple[str | None, int | None]]:
    """(title, year) of each parsed Reference, or of each tuple of WORKS."""
    return [(work[1], work[3]) if isinstance(work, tuple) else (work.title, work.year) for work in works]


def numbered_two_column_pdf(path: Path, title: str, entries: list[str], *, appendix: bool = True) -> Path:
    """Two body pages, then a two-column reference list that runs over a column and a page break, with running
    heads and page numbers, then an appendix that must not be read as references."""
    doc = pymupdf.open()
    _body_page(doc.new_page(), title, 1)
    _body_page(doc.new_page(), title, 2)
    page = doc.new_page()
    page.insert_text((72, 40), "Journal of Generated Tests", fontsize=8)
    page.insert_text((520, 810), "3", fontsize=8)
    page.insert_text((60, 80), "References", fontsize=12, fontname="hebo")
    columns = [(60, 290), (310, 540)]
    column, y, page_number = 0, 100, 3
    for number, entry in enumerate(entries, start=1):
        lines = _wrap(f"{number}. {entry}", 52)
        if y + 11 * len(lines) > 760:
            column += 1
            y = 80
            if column == 2:
                page_number += 1
                page = doc.new_page()
                page.insert_text((72, 40), "Journal of Generated Tests", fontsize=8)
                page.insert_text((520, 810), str(page_number), fontsize=8)
                column = 0
        x = columns[column][0]
        for index, line in enumerate(lines):
            page.insert_text((x + (0 if index == 0 else 12), y), line, fontsize=8)
            y += 11
        y += 3
    if appendix:
        y += 20
        page.insert_text((columns[column][0], y), "Appendix A", fontsize=12, fontname="hebo")
        page.insert_text((columns[column][0], y + 18), "1. Table of doses used in 2019 and 2020.", fontsize=8)
    return _save(doc, path)


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)


# ---------------------------------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("raw", "first", "title", "venue", "year", "volume", "pages"),
    [
        ("Zimmermann MB, Hurrell RF. Nutritional iron deficiency. Lancet 2007;370:511-20.",
         "Zimmermann, MB", "Nutritional iron deficiency", "Lancet", 2007, "370", "511-20"),
        ("Bernhoft, A., Torp, M., and Kristoffersen, A. (2012). Influence of agronomic factors on Fusarium. "
         "Food Addit. Contam. 29, 1129–1140. doi: 10.1080/19440049.2012.672476",
         "Bernhoft, A", "Influence of agronomic factors on Fusarium", "Food Addit. Contam", 2012, "29", "1129-1140"),
        ("[3] E. Braunwald, “Shattuck lecture: cardiovascular medicine,” New England Journal of Medicine, vol. 337, "
         "no. 19, pp. 1360-1369, 1997.",
         "Braunwald, E.", "Shattuck lecture: cardiovascular medicine", "New England Journal of Medicine", 1997, "337",
         "1360-1369"),
        ("Michael Collins and Brian Roark. 2004. Incremental parsing with the perceptron algorithm. In Proceedings "
         "of ACL, pages 111–118.",
         "Collins, Michael", "Incremental parsing with the perceptron algorithm", "Proceedings of ACL", 2004, None,
         "111-118"),
        ("SILVA, J. A.; SOUZA, M. Qualidade da água em rios urbanos. Revista Ambiente, v. 12, n. 3, p. 45-67, 2010.",
         "Silva, J. A", "Qualidade da água em rios urbanos", "Revista Ambiente", 2010, "12", "45-67"),
        ("Smith, J. & Doe, K. Deep learning for everything. Nature 521, 436–444 (2015).",
         "Smith, J", "Deep learning for everything", "Nature", 2015, "521", "436-444"),
        # a botanical authority inside the title; initials that read like a regnal number ("IV")
        ("Gupta N, Charan P. Therapeutic uses of Ocimum sanctum Linn. (Tulsi) with a note on eugenol. Indian J "
         "Physiol Pharmacol. 2005;49:125–31.",
         "Gupta, N", "Therapeutic uses of Ocimum sanctum Linn. (Tulsi) with a note on eugenol",
         "Indian J Physiol Pharmacol", 2005, "49", "125-31"),
        ("Makarov VV, Love AJ, Yaminsky IV, Taliansky ME et al. “Green” nanotechnologies: synthesis of metal "
         "nanoparticles using plants. Acta Naturae. 2014;6:35–44.",
         "Makarov, VV", "“Green” nanotechnologies: synthesis of metal nanoparticles using plants", "Acta Naturae",
         2014, "6", "35-44"),
        ("Siqueira JF Jr, Rôças IN. Polymerase chain reaction-based analysis of microorganisms. J Endod. "
         "2003;29:1-9.", "Siqueira, JF", "Polymerase chain reaction-based analysis of microorganisms", "J Endod",
         2003, "29", "1-9"),
        # a year that names the proceedings is no end of the venue
        ("Dan Gillick and Yang Liu. 2010. Non-expert evaluation of summarization systems is risky. In Proceedings "
         "of the NAACL HLT 2010 Workshop on Creating Speech and Language Data, pages 148–151.",
         "Gillick, Dan", "Non-expert evaluation of summarization systems is risky",
         "Proceedings of the NAACL HLT 2010 Workshop on Creating Speech and Language Data", 2010, None, "148-151"),
        ("Jay DeYoung and Lucy Lu Wang. 2021. Multidocument summarization of medical studies. In Proceedings of "
         "the 2021 Conference on Empirical Methods in Natural Language Processing, page 7494–7513, Online.",
         "DeYoung, Jay", "Multidocument summarization of medical studies",
         "Proceedings of the 2021 Conference on Empirical Methods in Natural Language Processing", 2021, None,
         "7494-7513"),
        # a full stop inside parentheses ends no title
        ("Habibi MH, Rezvani Z. Photocatalytic degradation of an azo textile dye (C.I. Reactive Red 195 (3BF)) in "
         "aqueous solution. Spectrochim Acta A 2015;147:173-7.", "Habibi, MH",
         "Photocatalytic degradation of an azo textile dye (C.I. Reactive Red 195 (3BF)) in aqueous solution",
         "Spectrochim Acta A", 2015, "147", "173-7"),
        # a title that ends at a comma before the venue and its volume, the entry's last number
        ("Cantarella, C. and D’Agostino, N. 2015, PSR: polymorphic SSR retrieval, BMC Res. Notes, 8,", "Cantarella, C",
         "PSR: polymorphic SSR retrieval", "BMC Res. Notes", 2015, None, None),
        # a title of a word and a subtitle; a place or a name at a title's end that a botanist's abbreviation spells
        ("Smith J, Jones K. Obesity. A global epidemic in children. Lancet. 2001;357:12-8.", "Smith, J",
         "Obesity. A global epidemic in children", "Lancet", 2001, "357", "12-8"),
        ("Smith, J. (2001). Tourism on the Isle of Wight. Journal of Travel Research, 40(1), 1-5.", "Smith, J",
         "Tourism on the Isle of Wight", "Journal of Travel Research", 2001, "40", "1-5"),
        ("Smith J. Homelessness in Washington, DC. Journal of Urban Health. 2001;78:1-5.", "Smith, J",
         "Homelessness in Washington, DC", "Journal of Urban Health", 2001, "78", "1-5"),
        # a title in capitals with AND; a year before the volume; a year in parentheses is no issue
        ("Smith J, Jones K. HIV AND HEPATITIS C. Lancet 2001;1:2-3.", "Smith, J", "HIV AND HEPATITIS C", "Lancet",
         2001, "1", "2-3"),
        ("Silva AB, Costa C. Carbono do solo no cerrado. Rev. Bras. Ci. Solo, 2001—25(2):45-50.", "Silva, AB",
         "Carbono do solo no cerrado", "Rev. Bras. Ci. Solo", None, "25", "45-50"),
        ("Abacha A, Demner D. A question-entailment approach. BMC Bioinformatics 20 (2019).", "Abacha, A",
         "A question-entailment approach", "BMC Bioinformatics", 2019, "20", None),
        # AMS: the venue after a comma, the volume and year, the issue's range, the pages last
        ("R. Kenyon, Resistor networks, Linear Algebra Appl. 283 (1998), no. 1-3, 115–150.", "Kenyon, R.",
         "Resistor networks", "Linear Algebra Appl", 1998, "283", "115-150"),
        # the end of a page range before the year is no volume, and the year no page
        ("C. Dwork. Differential privacy. In ICALP, pages 1–12, 2006.", "Dwork, C.", "Differential privacy",
         "ICALP", 2006, None, "1-12"),
    ],
)
def test_parse_reference_styles(raw, first, title, venue, year, volume, pages) -> None:
    reference = parse_reference(raw)
    assert reference.authors[0] == first
    assert reference.title == title
    assert reference.venue == venue
    assert reference.year == year
    assert reference.volume == volume
    assert reference.pages == pages
    assert 0 < reference.confidence <= 1


# Each entry, then "->" the authors it must give ("; " between them) and its title.
NAMES_AND_TITLES = """
Brasil. Ministério da Saúde. Gestação de alto risco: manual técnico. 5a ed. Brasília; 2012. 302 p.
    -> Brasil; Ministério da Saúde | Gestação de alto risco: manual técnico
Centers for Disease Control and Prevention. National diabetes statistics report [Internet]. 2014.
    -> Centers for Disease Control and Prevention | National diabetes statistics report
Kollert, W. and Kleine, M., eds. 2017, The Global Teak Study. Analysis of teak. IUFRO, Vienna.
    -> Kollert, W; Kleine, M | The Global Teak Study
R. Z. Da Silva, M. M. De Souza, and V. Cechinel-Filho, “Antinociceptive properties,” J X, vol. 1, 2001.
    -> Da Silva, R. Z.; De Souza, M. M.; Cechinel-Filho, V. | Antinociceptive properties
Hosseinzadeh H, Nassiri‐Asl M. Avicenna’s canon of medicine and saffron. Phytother Res. 2013;27:475-83.
    -> Hosseinzadeh, H; Nassiri‐Asl, M | Avicenna’s canon of medicine and saffron
Bramley, G. L. C., Forest, F. and De Kok, R. P. J. 2009, Troublesome tropical mints. Kew Bull. 64, 1-10.
    -> Bramley, G. L. C; Forest, F; De Kok, R. P. J | Troublesome tropical mints
Nicodemus, A., Nagarajan, B. and Narayanan C. 2005, RAPD variation in teak. Silvae Genet. 54, 1-9.
    -> Nicodemus, A; Nagarajan, B; Narayanan, C | RAPD variation in teak
Vang O, Frandsen H. Effects of broccoli samples. I. Modulation of cytochrome P-450. Metabolism. 2001;50:1-9.
    -> Vang, O; Frandsen, H | Effects of broccoli samples. I. Modulation of cytochrome P-450
Zhang, H.-J.; Tan, G.T. Natural anti-HIV agents. Part IV. Constituents of Vatica. J. Nat. Prod. 2003, 66, 2.
    -> Zhang, H.-J; Tan, G.T | Natural anti-HIV agents. Part IV. Constituents of Vatica
Siqueira JF Jr, Guimarães- Pinto T, Rôças IN. Effects of chemomechanical preparation. J Endod. 2007;33:1-9.
    -> Siqueira, JF; Guimarães-Pinto, T; Rôças, IN | Effects of chemomechanical preparation
Yu M-H, Choi J-H. Suppression of inflammation by Rosmarinus officinalis L. Food Chem 2013;136:1047-1054.
    -> Yu, M-H; Choi, J-H | Suppression of inflammation by Rosmarinus officinalis L
Uma Devi, P. (2001) Radioprotective properties of Holy Basil, Ocimum sanctum (Tulsi). Indian J. Exp. Biol., 39: 18.
    -> Uma Devi, P | Radioprotective properties of Holy Basil, Ocimum sanctum (Tulsi)
Kothari, S. K. (2004). Essential oil of Ocimum tenuiflorum L.f (syn. O. sanctum L.) grown in India. J. Chrom. A 1, 6.
    -> Kothari, S. K | Essential oil of Ocimum tenuiflorum L.f (syn. O. sanctum L.) grown in India
Sociedade Brasileira de Diabetes. Diretrizes da Sociedade Brasileira de Diabetes. São Paulo: SBD; 2017.
    -> Sociedade Brasileira de Diabetes | Diretrizes da Sociedade Brasileira de Diabetes
Secretaría de Salud. La descentralización de los Servicios de Salud. México: SSA; 1996.
    -> Secretaría de Salud | La descentralización de los Servicios de Salud
Organización Panamericana de la Salud (OPS). Declaración de la Conferencia Interamericana. Washington: OPS; 1994.
    -> Organización Panamericana de la Salud (OPS) | Declaración de la Conferencia Interamericana
Adobe Systems Inc. (1999). PostScript language reference (3rd ed.). Addison-Wesley.
    -> Adobe Systems Inc | PostScript language reference (3rd ed.)
Ghani A. Changes in the oil of Echinophora platyloba DC. During three growth stages. J Oil Pl 2015;18:1-9.
    -> Ghani, A | Changes in the oil of Echinophora platyloba DC. During three growth stages
Sánchez-Medina A. Evaluation of crude extracts from plants. Part1. Antioxidant activities. Phytomedicine 2001;8:1.
    -> Sánchez-Medina, A | Evaluation of crude extracts from plants. Part1. Antioxidant activities
Lee H, Kim S. Stents that penetrate the vessel wall. While useful they need care. Radiology 2012;262:301-9.
    -> Lee, H; Kim, S | Stents that penetrate the vessel wall
DEAN, J., AND GHEMAWAT, S. MapReduce: Simplified data processing on large clusters. In Proc. of OSDI (2004).
    -> Dean, J; Ghemawat, S | MapReduce: Simplified data processing on large clusters
O’NEIL, P., AND LAU, E. The log-structured merge-tree. Acta Informatica 33, 4 (1996), 351–385.
    -> O’Neil, P; Lau, E | The log-structured merge-tree
Kapoor, A., Burleson, W., Picard, R., W., 2007. Automatic prediction of frustration. Int J HCS 65, 724–736.
    -> Kapoor, A; Burleson, W; Picard, R. W | Automatic prediction of frustration
Microsoft Corporation, Windows XP Professional Resource Kit, 2001.
    -> Microsoft Corporation | Windows XP Professional Resource Kit
M. Daniel, Medicinal Plants: Chemistry and Properties, Science Publishers, 2006.
    -> Daniel, M. | Medicinal Plants: Chemistry and Properties
Michael Collins, Brian Roark: Incremental parsing. In Proceedings of ACL, pages 111–118.
    -> Collins, Michael; Roark, Brian | Incremental parsing
G. Golub, C.F. Van Loan, Matrix Computations, Johns Hopkins University Press, 1989.
    -> Golub, G.; Van Loan, C.F. | Matrix Computations
N. Negroponte, Being Digital. New York: Alfred A. Knopf, 1995.
    -> Negroponte, N. | Being Digital
I. Asimov, The Bicentennial Man and Other Stories. Garden City, NY: Doubleday, 1976.
    -> Asimov, I. | The Bicentennial Man and Other Stories
"""


def _cases(table: str) -> list[tuple[str, list[str], str]]:
    lines = [line for line in table.strip().splitlines() if line.strip()]
    cases = []
    for raw, expected in zip(lines[::2], lines[1::2], strict=True):
        authors, title = expected.strip().removeprefix("-> ").split(" | ")
        cases.append((raw, authors.split("; "), title))
    return cases


@pytest.mark.parametrize(("raw", "authors", "title"), _cases(NAMES_AND_TITLES))
def test_organisations_editors_and_particles(raw, authors, title) -> None:
    reference = parse_reference(raw)
    assert list(reference.authors) == authors and reference.title == title


def test_a_long_list_of_given_names_first_with_middle_initials_is_read_whole() -> None:
    names = ("Waleed Ammar, Dirk Groeneveld, Chandra Bhagavatula, Iz Beltagy, Miles Crawford, Doug Downey, Kyle Lo, "
             "Tyler C. Murray, Hsu-Han Ooi, Matthew E. Peters, Joanna Power, Sam Skjonsberg, L. Sifre, Lucy Lu Wang, "
             "Chris Wilhelm, Zheng Yuan, Madeleine van Zuylen, Maria A. Okafor, Jonas B. Lindqvist, Akira C. Tanaka, "
             "Fatima D. Haddad, Pedro E. Alves, Ingrid F. Berg, Tomasz G. Nowak, Aisha H. Bello, Carlos I. Ruiz, "
             "Greta J. Weber, Hiroshi K. Sato, and Oren Etzioni").split(", ")
    raw = ", ".join(names) + ". 2018. Construction of the literature graph in semantic scholar. In NAACL-HLT."
    assert len(raw.split(". 2018")[0]) > 400  # longer than the author lists read before
    reference = parse_reference(raw)
    assert len(reference.authors) == len(names)
    assert reference.authors[7] == "Murray, Tyler C." and reference.authors[12] == "Sifre, L."  # not "Skjonsberg, L."
    assert reference.title == "Construction of the literature graph in semantic scholar" and reference.year == 2018


@pytest.mark.parametrize(
    ("raw", "authors", "title"),
    [
        ("Roth, Alvin E. 1984. The evolution of the labor market for medical interns. J Polit Econ 92: 991-1016.",
         ["Roth, Alvin E"], "The evolution of the labor market for medical interns"),
        ("Demange, Gabrielle and Gale, David. “The Strategy Structure of Two-sided Matching Markets.” Econometrica, "
         "July 1985, 53(4), pp. 873-88.", ["Demange, Gabrielle", "Gale, David"],
         "The Strategy Structure of Two-sided Matching Markets"),
        ("Azar, Jim, Smith, Randy K and Cordes, Davis, “Value-Oriented Requirements Prioritization”, IEEE Software, "
         "2007.", ["Azar, Jim", "Smith, Randy K", "Cordes, Davis"], "Value-Oriented Requirements Prioritization"),
        ("Matthew Peters, Luke Zettlemoyer, and Wen-tau Yih. 2018. Dissecting contextual word embeddings. In EMNLP.",
         ["Peters, Matthew", "Zettlemoyer, Luke", "Yih, Wen-tau"], "Dissecting contextual word embeddings"),
        ("Koichi Fukunaga and Shin’ichi Hirose, “An Experience with a Prolog-based Language,” in OOPSLA 1986.",
         ["Fukunaga, Koichi", "Hirose, Shin’ichi"], "An Experience with a Prolog-based Language"),
        # written-out given names must not swallow a whole name or the next author
        ("Tag H, Kalita P, Das AK, Namsa ND. Herbal medicines used in diabetes. J Ethnopharmacol 2012;141:786-95.",
         ["Tag, H", "Kalita, P", "Das, AK", "Namsa, ND"], "Herbal medicines used in diabetes"),
    ],
)
def test_written_out_given_names_are_read(raw: str, authors: list[str], title: str) -> None:
    reference = parse_reference(raw)
    assert list(reference.authors) == authors and reference.title == title


@pytest.mark.parametrize(
    ("printed", "meant"),
    [
        ("Dahlstr \u0308om", "Dahlström"),  # NFKC leaves a diaeresis glyph before its letter
        ("D \u0301\u0131az, J.", "Díaz, J."),  # TeX's \\'{\\i}, the accent first
        ("A\u0131\u0308meur, E.", "Aïmeur, E."),  # ... or after the dotless i
        ("Jan Haji\u02c7c, Jan \u02c7St\u02c7ep\u00e1nek", "Jan Hajič, Jan Štěpánek"),  # a caron stays a glyph
        ("Lema\u02c6\u0131tre G", "Lemaître G"),
        ("J. Serr`a, Maria Ant`onia", "J. Serrà, Maria Antònia"),
        ("L\u2019Abbe \u0301 KA", "L\u2019Abbé KA"),  # the accent after its letter
        ("O\u2019Neil, ``quoted''", "O\u2019Neil, ``quoted''"),
        ("\u02c6The estimator", "\u02c6The estimator"),  # no letter T with a circumflex: left as it is
    ],
)
def test_accents_set_as_glyphs_of_their_own_go_on_their_letters(printed: str, meant: str) -> None:
    from litreview.ingest.pdf.references import _mend_accents

    assert _mend_accents(printed) == meant


@pytest.mark.parametrize(
    ("raw", "surname"),
    [
        ("[Arons, 1997] Arons, B. (1997). Speechskimmer: skimming recorded speech. ACM TOCHI, 4(1):3-38.", "Arons, B"),
        ("[Lei1] Tom Leinster, A general theory of self-similarity I, e-print math.DS/0411344.", "Leinster, Tom"),
        ("[Arn94] Arnold, V. (1994). Topological methods. Springer.", "Arnold, V"),
    ],
)
def test_an_entry_key_of_any_kind_is_no_part_of_the_authors(raw: str, surname: str) -> None:
    reference = parse_reference(raw)
    assert reference.authors[:1] == (surname,) and not reference.raw.startswith("[")


@pytest.mark.parametrize(
    ("raw", "authors", "title"),
    [
        # title words are no given names, however a name is written
        ("R. Caruana, Multi-task Learning, Mach. Learn. 28 (1997) 41-75.", ["Caruana, R."], None),
        ("A. Smith, B. Jones, Few-shot Learning, in: Proc. CVPR, 2019.", ["Smith, A.", "Jones, B."],
         "Few-shot Learning"),
        ("Marx, Karl, Das Kapital, Hamburg, 1867.", ["Marx, Karl"], "Das Kapital"),
        ("Hochreiter, Sepp, and Schmidhuber, Jürgen, Long Short-Term Memory, Neural Computation, 1997.",
         ["Hochreiter, Sepp", "Schmidhuber, Jürgen"], "Long Short-Term Memory"),
        # Chicago: the first name inverted, the others given names first
        ('Gale, David, and Lloyd S. Shapley. 1962. "College Admissions and the Stability of Marriage." Am Math Mon.',
         ["Gale, David", "Shapley, Lloyd S."], "College Admissions and the Stability of Marriage"),
        # a translated title in brackets is no entry key
        ("[Treatment of acute otitis media]. Lakartidningen. 2000;97:1-5.", [], "[Treatment of acute otitis media]"),
    ],
)
def test_what_is_no_author_stays_out_of_the_authors(raw: str, authors: list[str], title: str | None) -> None:
    reference = parse_reference(raw)
    assert list(reference.authors) == authors
    assert title is None or reference.title == title


def test_an_entry_keeps_to_the_name_style_of_its_list() -> None:
    """"Townsend P. Deprivation." could be one author written given names first; among "Surname AB" entries it is
    "Townsend, P" and a title of one word."""
    so_far = ListSoFar()
    for raw in ("Zimmermann MB, Hurrell RF. Nutritional iron deficiency. Lancet 2007;370:511-20.",
                "Novak P. Low molecular weight heparin in orthopaedic surgery. BMJ 2005;330:77-81.",
                "Weber A, Kim S. Inferior vena cava filters revisited. Radiology 2012;262:301-9."):
        parse_reference(raw, so_far=so_far)
    reference = parse_reference("Townsend P. Deprivation. J Soc Policy 1987;16(2):125-46.", so_far=so_far)
    assert reference.authors == ("Townsend, P",)
    assert reference.title == "Deprivation"
    assert reference.venue == "J Soc Policy"
    alone = parse_reference("Townsend P. Deprivation. J Soc Policy 1987;16(2):125-46.")
    assert alone.authors != ("Townsend, P",)  # without the list, the longer reading stands
    # a name written given names first keeps its reading: no title of one word follows the shorter one
    mixed = parse_reference("Mary A. Smith, John B. Jones. Outcomes of surgery. Pediatrics. 2005;115:1-8.",
                            so_far=so_far)
    assert mixed.authors == ("Smith, Mary A.", "Jones, John B.")


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ("Cohen, P. R., & Levesque, H. J. (1991). Teamwork. Nous, 25, 487-512.", "Teamwork"),
        ("Perlin, K. Hypertexture. Computer Graphics 23, 3 (July 1989), 253-262.", "Hypertexture"),
        ("Smith, J. (2001). Gouts. Rheumatology, 12, 3-4.", "Gouts"),  # five letters, as the list-style choice takes
        # a journal's abbreviation is no title; a name that may still belong to the authors neither
        ("Riess A G, 2007 Astrophys. J. 659 98", None),
        ("Pradeep T, Anshup. Noble metal nanoparticles for water purification. Thin Solid Films 2009;517:6441-78.",
         "Anshup. Noble metal nanoparticles for water purification"),
    ],
)
def test_a_title_of_one_word(raw: str, title: str) -> None:
    assert parse_reference(raw).title == title


@pytest.mark.parametrize(
    ("raw", "authors", "venue", "volume", "issue", "pages", "year"),
    [
        ("[1] A. G. Riess et al., Astron. J. 116, 1009 (1998).", ["Riess, A. G."], "Astron. J", "116", None, "1009",
         1998),
        ("E. Witten, Nucl. Phys. B 443, 85 (1995), arXiv:hep-th/9503124.", ["Witten, E."], "Nucl. Phys. B", "443",
         None, "85", 1995),
        ("Kroupa P., 2001, MNRAS, 322, 231", ["Kroupa, P"], "MNRAS", "322", None, "231", 2001),
        ("Springel V., et al., 2005, Nature, 435, 629", ["Springel, V"], "Nature", "435", None, "629", 2005),
        ("Ellis G F R, 2008 Nature 452 158 [SPIRES]", ["Ellis, G F R"], "Nature", "452", None, "158", 2008),
        ("Perlmutter S et al, 1997 Astrophys. J. 483 565 [SPIRES]", ["Perlmutter, S"], "Astrophys. J", "483", None,
         "565", 1997),
        ("George, M., Venkataraman, P.R and Pandalai, K.M.J. Sci. Industr. Res. 6B (3), 42-46 (1947).",
         ["George, M", "Venkataraman, P.R", "Pandalai, K.M.J"], "Sci. Industr. Res", "6B", "3", "42-46", 1947),
        ("Smith, J. Inorg. Chem. 2001, 40, 1-20.", ["Smith, J"], "Inorg. Chem", "40", None, "1-20", 2001),
        ("Abbott B. P., et al., 2017, Phys. Rev. Lett., 119, 161101", ["Abbott, B. P"], "Phys. Rev. Lett", "119", None,
         "161101", 2017),
        ("Bhat, J.V. and Broker, R.J. Malaria Inst. India. 4: 109 (1941)", ["Bhat, J.V", "Broker, R.J"],
         "Malaria Inst. India", "4", None, "109", 1941),
    ],
)
def test_a_reference_without_a_title_has_its_journal_volume_and_page(raw, authors, venue, volume, issue, pages,
                                                                      year) -> None:
    reference = parse_reference(raw)
    assert list(reference.authors) == authors
    assert reference.title is None
    assert (reference.venue, reference.volume, reference.issue, reference.pages, reference.year) == (
        venue, volume, issue, pages, year)


def test_an_organisation_with_a_year_in_its_name_keeps_it() -> None:
    reference = parse_reference("GBD 2019 Diseases and Injuries Collaborators. (2020). Global burden of 369 diseases "
                                "and injuries in 204 countries. The Lancet, 396(10258), 1204-1222.")
    assert list(reference.authors) == ["GBD 2019 Diseases and Injuries Collaborators"]
    assert (reference.title, reference.venue) == ("Global burden of 369 diseases and injuries in 204 countries",
                                                  "The Lancet")


@pytest.mark.parametrize(
    ("raw", "title", "venue"),
    [
        ("M. Richardson and P. Domingos. 2006. Markov Logic Networks. Machine Learning, 62(1-2):107–136.",
         "Markov Logic Networks", "Machine Learning"),
        ("Grosz, B. (1996). Collaborative Systems. AI Magazine, 2(17), 67-85.", "Collaborative Systems",
         "AI Magazine"),
        ("Smith J, Jones K. Deep Learning 5, 3 (2001).", "Deep Learning", None),
        ("Tian, B., Kempa, T. J., & Lieber, C. M. (2008). Single Nanowire Photovoltaics. Chem. Soc. Rev., 126, "
         "1968-1987.", "Single Nanowire Photovoltaics", "Chem. Soc. Rev"),
        ("Smith, J. Catalysis. Chem. Rev. 2001, 101, 1-20.", "Catalysis", "Chem. Rev"),
        ("Kroemer, G. Apoptosis. Nat. Med. 6, 513 (2000).", "Apoptosis", "Nat. Med"),
        ("Smith, J. Quantum Dots. Nano Lett. 5, 1 (2005).", "Quantum Dots", "Nano Lett"),
        ("Smith, A. (2001). Big Data. Nat. Biotechnol., 12, 1-10.", "Big Data", "Nat. Biotechnol"),
    ],
)
def test_a_title_in_capitals_before_its_journal_stays_a_title(raw: str, title: str, venue: str | None) -> None:
    reference = parse_reference(raw)
    assert reference.title is not None and reference.title.startswith(title)
    assert reference.venue == venue


@pytest.mark.parametrize(
    ("raw", "authors", "title"),
    [
        ("Townsend P. Deprivation: a review of the evidence. J Soc Policy 1987;16:125-46.", ["Townsend, P"],
         "Deprivation: a review of the evidence"),
        # but a title in lower case after initials: the initials are the name's
        ("Levine, A. J. p53, the cellular gatekeeper for growth and division. Cell 88, 323-331 (1997).",
         ["Levine, A. J"], "p53, the cellular gatekeeper for growth and division"),
        ("Saxton, R. A. & Sabatini, D. M. mTOR signaling in growth, metabolism, and disease. Cell 168, 960-976 (2017).",
         ["Saxton, R. A", "Sabatini, D. M"], "mTOR signaling in growth, metabolism, and disease"),
        # a list that goes on after "and", or after "et al.", keeps its names
        ("Garcia-Aspeitia M. A., and Matos T. Scalar field dark matter. Phys. Rev. D 80, 5 (2009).",
         ["Garcia-Aspeitia, M. A", "Matos, T"], "Scalar field dark matter"),
        ("Marshall MJ, Beliaev AS, et al. c-Type cytochrome-dependent formation of U(IV) nanoparticles. PLoS Biol "
         "2006;4:e268.", ["Marshall, MJ", "Beliaev, AS"],
         "c-Type cytochrome-dependent formation of U(IV) nanoparticles"),
    ],
)
def test_no_name_is_read_that_leaves_a_title_in_lower_case(raw: str, authors: list[str], title: str | None) -> None:
    reference = parse_reference(raw)
    assert (list(reference.authors), reference.title) == (authors, title)


@pytest.mark.parametrize(
    ("raw", "title", "venue"),
    [
        # Harvard: the title in ASCII single quotes, commas and an apostrophe inside
        ("Bazaraa, M.S., Jarvis, J.J. and Sherali, H.D. (2009) 'Linear Programming, Duality and Network Flows', "
         "Operations Research, 34(2), pp. 792-795.", "Linear Programming, Duality and Network Flows",
         "Operations Research"),
        ("Smith, J. (2001) 'The children's book', Journal of Things, 5, pp. 1-2.", "The children's book",
         "Journal of Things"),
        # in double quotes, a single quote inside closes nothing
        ("D. Klinghoffer, “Black madonna (on the novel, 'Paradise'),” National Review, vol. 5, pp. 3-4, 1998.",
         "Black madonna (on the novel, 'Paradise')", "National Review"),
    ],
)
def test_a_title_in_quotes_is_read_to_its_closing_quote(raw: str, title: str, venue: str) -> None:
    reference = parse_reference(raw)
    assert (reference.title, reference.venue) == (title, venue)


def test_two_surnames_joined_by_and_are_not_one_name() -> None:
    assert parse_reference("Koller and Friedman. Probabilistic Graphical Models. MIT Press, 2009.").authors == ()


@pytest.mark.parametrize(
    ("raw", "year"),
    [
        ("A. Anand and R. Jay, “Eugenol synthase,” Biochim Biophys Acta, vol. 1864, no. 11, pp. 1539–1547, 2016.",
         2016),  # a labelled volume is no year
        ("Genco RJ, Borgnakke WS. Risk factors for periodontal disease. Periodontol 2000 2013; 62: 59-94.", 2013),
        ("Dode MA, Santos I. Diabetes in the cohort of Pelotas, Brasil, 2004. Cad Saude Publica. 2009;25:1141-52.",
         2009),  # a year in the title
    ],
)
def test_the_year_is_the_date_not_another_number(raw, year) -> None:
    assert parse_reference(raw).year == year


def test_identifiers_are_read_and_left_out_of_the_fields() -> None:
    reference = parse_reference(
        "Lee DH, Song CS. H9N2 avian influenza virus in Korea. Clin Exp Vaccine Res 2013;2:26-33. "
        "doi: 10.7774/cevr.2013.2.1.26. PMID: 23596587. arXiv:1706.03762"
    )
    assert reference.doi == "10.7774/cevr.2013.2.1.26"
    assert reference.pmid == "23596587"
    assert reference.arxiv_id == "1706.03762"
    assert reference.venue == "Clin Exp Vaccine Res" and reference.title == "H9N2 avian influenza virus in Korea"


def test_one_work_when_a_title_was_cut_short_or_an_identifier_is_missing(tmp_path: Path) -> None:
    from litreview.core.reference import Reference
    from litreview.library.references import store_references

    full = Reference(raw="x", authors=("Pattanayak, P",), title="Ocimum sanctum Linn. A reservoir plant for "
                     "therapeutic applications: an overview", year=2010, doi="10.4103/0973-7847.65323")
    cut = Reference(raw="y", authors=("Pattanayak, P",), title="Ocimum sanctum Linn", year=2010)
    other_year = Reference(raw="z", authors=("Pattanayak, P",), title="Ocimum sanctum Linn", year=2016)
    with open_library(tmp_path / "lib.sqlite") as library, library.transaction() as conn:
        ids = [int(conn.execute("INSERT INTO papers(title) VALUES (?)", (f"P{n}",)).lastrowid) for n in range(3)]
        store_references(conn, ids[0], [cut])
        store_references(conn, ids[1], [full])
        store_references(conn, ids[2], [other_year])
        works = conn.execute("SELECT count(DISTINCT work_id) FROM paper_references").fetchone()[0]
        title, doi = conn.execute("SELECT title, doi FROM external_works WHERE year = 2010").fetchone()
    assert works == 2  # the cut title joins the full one; six years apart it is another work
    assert title == full.title and doi == full.doi  # the work keeps the whole title


# ---------------------------------------------------------------------------------------------------- PDFs


def test_numbered_list_over_columns_and_pages(tmp_path: Path) -> None:
    entries = [vancouver(WORKS[i % len(WORKS)]) for i in range(30)]
    path = numbered_two_column_pdf(tmp_path / "paper.pdf", "Thrombosis prophylaxis in trauma", entries)
    references = read_references(path)
    assert isinstance(references, list)
    assert len(references) == 30  # the appendix's numbered line is not a reference
    for reference, work in zip(references, [WORKS[i % len(WORKS)] for i in range(30)], strict=True):
        assert reference.title == work[1]
        assert reference.year == work[3]
        assert reference.venue == work[2]
        assert reference.authors[0].split(",")[0] == work[0].split()[0]


def test_author_year_list_with_hanging_indents(tmp_path: Path) -> None:
    doc = pymupdf.open()
    _body_page(doc.new_page(), "A hanging indent paper", 1)
    page = doc.new_page()
    page.insert_text((72, 80), "REFERENCES", fontsize=11, fontname="hebo")
    entries = [
        f"{work[0].split(',')[0].split()[0]}, {work[0].split(',')[0].split()[1]}. ({work[3]}). {work[1]}. "
        f"{work[2]} {work[4]}, {work[5]}."
        for work in WORKS
    ]
    y = 100
    for entry in entries:
        for index, line in enumerate(_wrap(entry, 60)):
            page.insert_text((72 + (0 if index == 0 else 14), y), line, fontsize=9)
            y += 12
    assert _titles_and_years(read_references(_save(doc, tmp_path / "apa.pdf"))) == _titles_and_years(WORKS)


def test_an_ornament_between_columns_does_not_cut_an_entry(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = _references_page(doc, "A paper with an ornament")
    y = _write_entries(page, [f"{number}. {vancouver(work)}" for number, work in enumerate(WORKS[:6], start=1)])
    page.insert_text((60, y), "7. Ivanova T. Bleeding complications of", fontsize=8)
    page.insert_text((150, y + 30), "********", fontsize=18)  # the journal's ornament closes the column
    page.insert_text((322, 80), "anticoagulation in the elderly. Blood 2008;112:2001-2008.", fontsize=8)
    _write_entries(page, [f"{number}. Author{number} A. A study of topic {number} in the library. J Tests "
                          f"{2000 + number};{number}:1-9." for number in range(8, 16)], x=310, y=91)
    references = read_references(_save(doc, tmp_path / "ornament.pdf"))
    assert references[6].title == "Bleeding complications of anticoagulation in the elderly"
    assert references[6].year == 2008


def test_a_line_in_italics_at_the_foot_of_a_page_stays_in_its_entry(tmp_path: Path) -> None:
    """A line set in italics near the page's foot is an entry's line when it runs on from the line above; an
    italic running foot, standing apart, is left out."""
    doc = pymupdf.open()
    page = _references_page(doc, "A paper whose last entry runs into the foot of the page")
    _write_entries(page, [f"{number}. {vancouver(work)}" for number, work in enumerate(WORKS[:7], start=1)])
    for y, text, font in ((760, "8. Murphy D, Chen L. Ultrasound screening of the", "tiro"),
                          (771, "lower limbs in Trauma Surgery and Acute Care", "tiit"),
                          (782, "Open 2003;186:400-405.", "tiro")):
        page.insert_text((60 if text[0] == "8" else 72, y), text, fontsize=8, fontname=font)
    page.insert_text((60, 815), "Journal of Generated Tests", fontsize=8, fontname="tiit")
    references = read_references(_save(doc, tmp_path / "italic-foot.pdf"))
    assert len(references) == 8
    assert "lower limbs in Trauma Surgery" in references[7].raw
    assert references[7].year == 2003
    assert all("Generated Tests" not in reference.raw for reference in references)


def test_a_small_heading_over_a_numbered_list_and_a_title_that_ends_in_a_heading_word(tmp_path: Path) -> None:
    """The title's last line "literature" is no reference heading; "References" set smaller than the body, over
    entries of three rows each (most rows without a year), is."""
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 90), "Complications of prophylaxis: a systematic review of the", fontsize=18)
    page.insert_text((72, 112), "literature", fontsize=18)
    y = 150
    for _ in range(30):
        page.insert_text((72, y), "Trauma patients are at high risk of venous thromboembolism, and so on.", fontsize=10)
        y += 14
    page = doc.new_page()
    page.insert_text((60, 60), "References", fontsize=7.5)
    y = 72
    for number, (authors, title, venue, year, volume, pages) in enumerate(WORKS, start=1):
        for index, line in enumerate((f"{number}. {authors}: {title}", "and related", f"matters. {venue} {year},",
                                      f"{volume}:{pages}.")):
            page.insert_text((60 + (0 if index == 0 else 12), y), line, fontsize=7.3)
            y += 9
    references = read_references(_save(doc, tmp_path / "small-heading.pdf"))
    assert len(references) == len(WORKS)
    assert [reference.year for reference in references] == [work[3] for work in WORKS]
    assert all("Trauma patients" not in reference.raw for reference in references)


def test_prose_on_the_page_after_a_numbered_list_is_no_part_of_its_last_entry(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = _references_page(doc, "A paper whose reference list is followed by more text")
    _write_rows(page, [f"[{number}] {vancouver(work)}" for number, work in enumerate(WORKS, start=1)])
    page = doc.new_page()
    y = 80
    for _ in range(30):
        page.insert_text((60, y), "The filters were removed in most patients. Others kept them for years.", fontsize=8)
        y += 11
    references = read_references(_save(doc, tmp_path / "prose-after.pdf"))
    assert len(references) == len(WORKS)
    assert "removed" not in references[-1].raw and references[-1].year == WORKS[-1][3]


def test_an_author_year_list_without_indents_or_gaps(tmp_path: Path) -> None:
    """Every row flush left and evenly spaced: an entry starts with a name where the row before ended one."""
    doc = pymupdf.open()
    page = _references_page(doc, "A paper whose reference list has no indents")
    y = 100
    for authors, title, venue, year, volume, pages in WORKS:
        names = ", ".join(f"{name.split()[0]}, {name.split()[1]}." for name in authors.split(", "))
        for line in (f"{names} ({year})", f"{title}. {venue}", f"{volume}, {pages}"):
            page.insert_text((60, y), line, fontsize=8)
            y += 9
    assert _titles_and_years(read_references(_save(doc, tmp_path / "no-indents.pdf"))) == _titles_and_years(WORKS)


def test_a_lettered_appendix_heading_ends_the_list(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = _references_page(doc, "A paper with a lettered appendix after its references")
    y = _write_rows(page, [vancouver(work) for work in WORKS])
    page.insert_text((60, y + 20), "A. Partitioned and unpartitioned algorithms", fontsize=12, fontname="hebo")
    page = doc.new_page()
    page.insert_text((60, 80), "Okafor C, Tanaka Y (2010) showed that the devices work in most patients.", fontsize=8)
    references = read_references(_save(doc, tmp_path / "lettered-appendix.pdf"))
    assert len(references) == len(WORKS)
    assert all("showed" not in reference.raw for reference in references)


def test_a_supplementary_table_ends_the_list(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = _references_page(doc, "A paper with a supplementary table after its references")
    y = _write_rows(page, [vancouver(work) for work in WORKS])
    label = "Table S2. "  # the caption's label in bold, run in
    page.insert_text((60, y + 20), label, fontsize=8, fontname="hebo")
    page.insert_text((60 + pymupdf.get_text_length(label, "hebo", 8), y + 20),
                     "Doses used in the trials of 2019 and 2020, by site, in three strata", fontsize=8)
    page.insert_text((60, y + 31), "of the sampling plots (lower, middle and upper).", fontsize=8)
    references = read_references(_save(doc, tmp_path / "supplementary-table.pdf"))
    assert len(references) == len(WORKS)
    assert all("Doses" not in reference.raw and "strata" not in reference.raw for reference in references)


def test_names_in_small_capitals_open_their_entries(tmp_path: Path) -> None:
    """Authors set in small capitals come in a smaller type than the rest of the entry; their row is no footnote."""
    doc = pymupdf.open()
    page = _references_page(doc, "A paper whose references set names in small capitals")
    y = 100
    for number, (authors, title, venue, year, volume, pages) in enumerate(WORKS, start=1):
        page.insert_text((60, y), f"[{number}] {authors.upper()}, AND OTHERS.", fontsize=6)
        page.insert_text((72, y + 10), f"{title}. {venue} {volume} ({year}), {pages}.", fontsize=8.5)
        y += 24
    references = read_references(_save(doc, tmp_path / "small-capitals.pdf"))
    assert len(references) == len(WORKS)
    assert [reference.authors[0].split(",")[0] for reference in references] == [
        work[0].split()[0] for work in WORKS]
    assert [reference.year for reference in references] == [work[3] for work in WORKS]


def test_a_running_head_of_two_lines_does_not_cut_the_list(tmp_path: Path) -> None:
    """The running head's second line reaches below the page's margin band; it must not read as a heading that
    interrupts the list."""
    doc = pymupdf.open()
    _body_page(doc.new_page(), "A paper whose running head takes two lines", 1)
    numbered = [f"{number}. {vancouver(work)}" for number, work in enumerate(WORKS * 2, start=1)]
    for page_entries in (numbered[:8], numbered[8:]):
        page = doc.new_page()
        page.insert_text((60, 80), "Journal of Generated Tests: Making Generated Papers Approachable to", fontsize=9)
        page.insert_text((60, 91), "Readers 31", fontsize=9)
        y = 120
        if page_entries[0].startswith("1."):
            page.insert_text((60, y), "References", fontsize=12, fontname="hebo")
            y += 20
        for entry in page_entries:
            for index, line in enumerate(_wrap(entry, 90)):
                page.insert_text((60 + (0 if index == 0 else 12), y), line, fontsize=7)
                y += 9
    references = read_references(_save(doc, tmp_path / "two-line-head.pdf"))
    assert len(references) == 16
    assert all("Readers 31" not in reference.raw for reference in references)


def test_no_reference_section_and_scans(tmp_path: Path) -> None:
    doc = pymupdf.open()
    _body_page(doc.new_page(), "A paper without references", 1)
    assert read_references(_save(doc, tmp_path / "plain.pdf")) == []
    scan = pymupdf.open()
    pixmap = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 60, 80), False)
    pixmap.clear_with(200)
    scan.new_page().insert_image(pymupdf.Rect(0, 0, 595, 842), pixmap=pixmap)
    paper = read_pdf(_save(scan, tmp_path / "scan.pdf"), references=True)
    assert isinstance(paper, ParsedPaper) and paper.references == () and NO_TEXT_LAYER in paper.warnings


def test_an_entry_that_opens_with_an_ampersand_is_read(tmp_path: Path) -> None:
    # An entry whose author list was lost up to its "&" once raised IndexError, and the whole PDF was reported
    # as damaged.
    assert parse_reference("& (2001). Prophylaxis of pulmonary embolism. Lancet 351:1234-1240.").year == 2001
    entries = [vancouver(work) for work in WORKS]
    entries[3] = "& Tanaka Y. Mechanical compression devices compared. Chest 2010;137:55-62."
    paper = read_pdf(numbered_two_column_pdf(tmp_path / "paper.pdf", "Ampersands in reference lists", entries),
                     references=True)
    assert isinstance(paper, ParsedPaper) and paper.title == "Ampersands in reference lists"
    assert len(paper.references) == len(WORKS)
    assert paper.references[3].title == "Mechanical compression devices compared"


def test_a_rule_of_dashes_stands_for_the_authors_of_the_entry_before(tmp_path: Path) -> None:
    entries = [vancouver(work) for work in WORKS]
    entries[3] = '------, "Mechanical compression devices compared," Chest, vol. 137, pp. 55-62, 2010.'
    paper = read_pdf(numbered_two_column_pdf(tmp_path / "paper.pdf", "Repeated authors in reference lists", entries),
                     references=True)
    assert isinstance(paper, ParsedPaper) and len(paper.references) == len(WORKS)
    same = paper.references[3]
    assert same.authors == paper.references[2].authors and same.authors
    assert same.title == "Mechanical compression devices compared" and same.year == 2010
    assert same.raw.startswith("------")
    previous = ("Chen, M. S.", "Yu, P.")

    def after_previous(raw: str) -> tuple[str, ...]:
        return parse_reference(raw, so_far=ListSoFar(previous_authors=previous)).authors

    assert after_previous("———, “Cost analyzes for VBR video servers,” IEEE Multimedia, 1996.") == previous  # TeX
    # a rule drawn as a line, not text, leaves its comma
    assert after_previous(", “Cost analyzes for VBR video servers,” IEEE Multimedia, 1996.") == previous
    assert parse_reference("———, “Title of a work,” Chest, 2010.").authors == ()  # none to stand for
    # a stray comma before text that is no quoted title, or names of its own, keep what the entry says
    assert after_previous(", [18]. We have shown that the change matters.") == ()
    assert after_previous("——. Smith J, Jones K. Deep learning. Nature 2015.") == ("Smith, J", "Jones, K")


def test_a_reference_list_that_cannot_be_read_keeps_the_paper(tmp_path: Path, monkeypatch) -> None:
    import litreview.ingest.pdf as pdf_package

    def fail(layout):
        raise ValueError("an unforeseen layout")

    monkeypatch.setattr(pdf_package, "extract_references", fail)
    path = numbered_two_column_pdf(tmp_path / "paper.pdf", "A paper whose references fail", [vancouver(WORKS[0])])
    paper = read_pdf(path, references=True)
    assert isinstance(paper, ParsedPaper) and paper.title == "A paper whose references fail"
    assert paper.references == ()
    assert "reference list not read: ValueError: an unforeseen layout" in paper.warnings
    alone = read_references(path)  # the reference step of papers imported before it existed says the same
    assert isinstance(alone, IngestError)
    assert alone.reason == "reference list not read: ValueError: an unforeseen layout"
    with open_library(tmp_path / "lib.sqlite") as library:  # imported, the paper's reference job says why it failed
        summary = drive(run_import(library, [path], extract_in_child=False))
        assert summary.imported == 1
        state, reason = library.conn.execute("SELECT state, reason FROM reference_jobs").fetchone()
    assert (state, reason) == ("failed", "reference list not read: ValueError: an unforeseen layout")


def test_extract_json_references_keys(tmp_path: Path, capsys) -> None:
    path = numbered_two_column_pdf(tmp_path / "p.pdf", "Keys", [vancouver(work) for work in WORKS])
    assert cli_main(["extract", "--references", "--json", str(path)]) == 0
    line = json.loads(capsys.readouterr().out.splitlines()[0])
    assert len(line["references"]) == len(WORKS)
    keys = {"authors", "title", "venue", "year", "volume", "issue", "pages", "doi", "arxiv_id", "pmid", "raw"}
    assert keys <= set(line["references"][0])
    assert "references" not in extraction_json(path)  # only when asked for


# ---------------------------------------------------------------------------------------------------- library


def _library_pdfs(folder: Path) -> list[Path]:
    """Three papers: A and B cite overlapping works, C is work 0 itself (so A's and B's references resolve to C)."""
    folder.mkdir()
    a = numbered_two_column_pdf(folder / "a.pdf", "Outcomes of prophylaxis", [vancouver(w) for w in WORKS[:6]])
    b = numbered_two_column_pdf(folder / "b.pdf", "Anticoagulation after trauma", [vancouver(w) for w in WORKS[2:]])
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 100), WORKS[0][1], fontsize=18)
    page.insert_text((72, 130), "John Smith and Karen Brown", fontsize=11)
    page.insert_text((72, 160), "Published 2001", fontsize=9)
    c = _save(doc, folder / "c.pdf")
    return [a, b, c]


def test_import_stores_resolves_and_never_duplicates(tmp_path: Path) -> None:
    a, b, c = _library_pdfs(tmp_path / "pdfs")
    with open_library(tmp_path / "lib.sqlite") as library:
        drive(run_import(library, [a, b], extract_in_child=False))
        ids = {Path(row[1]).name: row[0] for row in library.conn.execute("SELECT paper_id, path FROM files")}
        references = references_of(library.conn, ids["a.pdf"])
        assert len(references) == 6 and all(reference["paper_id"] is None for reference in references)
        assert citing_papers(library.conn, ids["a.pdf"]) == []
        missing = missing_works(library.conn)
        assert {work["title"] for work in missing} == {work[1] for work in WORKS[2:6]}
        assert all(work["cited_by"] == sorted([ids["a.pdf"], ids["b.pdf"]]) for work in missing)
        # The cited paper arrives later: the references already stored pick it up.
        drive(run_import(library, [c], extract_in_child=False))
        ids = {Path(row[1]).name: row[0] for row in library.conn.execute("SELECT paper_id, path FROM files")}
        assert citing_papers(library.conn, ids["c.pdf"]) == [ids["a.pdf"]]
        assert references_of(library.conn, ids["a.pdf"])[0]["paper_id"] == ids["c.pdf"]
        assert coupling(library.conn, ids["a.pdf"])[0][:2] == (ids["b.pdf"], 4)
        before = library.conn.execute("SELECT count(*), count(DISTINCT work_id) FROM paper_references").fetchone()
        drive(run_import(library, [a, b, c], extract_in_child=False))  # the same files again
        with library.transaction() as conn:
            library.conn.execute("UPDATE reference_jobs SET state = 'queued'")
        drive(reference_step(library))  # and the step run over every paper again
        after = library.conn.execute("SELECT count(*), count(DISTINCT work_id) FROM paper_references").fetchone()
        assert before == after == (12, 8)
        with library.transaction() as conn:
            assert resolve_references(conn, unresolved_only=False) == 1


def test_migration_queues_pdfs_of_existing_libraries(tmp_path: Path) -> None:
    a, _, _ = _library_pdfs(tmp_path / "pdfs")
    path = tmp_path / "old.sqlite"
    with open_library(path) as library:
        drive(run_import(library, [a], extract_in_child=False))
    # Make it a library from before the step: the tables of the references migration and of every later one gone,
    # the schema version back to the one before it.
    from litreview.library import migrations

    step = MIGRATIONS.index(migrations._REFERENCES)
    later = [name for script in MIGRATIONS[step:] for name in re.findall(r"CREATE (?:VIRTUAL )?TABLE (\w+)", script)]
    conn = sqlite3.connect(path)
    conn.executescript("".join(f"DROP TABLE IF EXISTS {name};" for name in reversed(later))
                       + f"PRAGMA user_version = {step};")
    conn.close()
    with open_library(path) as library:
        assert library.conn.execute("SELECT state FROM reference_jobs").fetchall() == [("queued",)]
        assert drive(reference_step(library)) == 1
        assert library.conn.execute("SELECT count(*) FROM paper_references").fetchone()[0] == 6
        assert drive(reference_step(library)) == 0  # resumable: nothing left to do


def test_cli_refs_citing_missing(tmp_path: Path, capsys) -> None:
    pdfs = _library_pdfs(tmp_path / "pdfs")
    lib = str(tmp_path / "lib.sqlite")
    assert cli_main(["--library", lib, "import", "--no-embed", *map(str, pdfs)]) == 0
    capsys.readouterr()
    with open_library(lib) as library:
        ids = {Path(row[1]).name: row[0] for row in library.conn.execute("SELECT paper_id, path FROM files")}
    assert cli_main(["--library", lib, "refs", str(ids["a.pdf"]), "--json"]) == 0
    refs = json.loads(capsys.readouterr().out)
    assert len(refs) == 6 and {"title", "authors", "year", "doi", "paper_id"} <= set(refs[0])
    assert refs[0]["paper_id"] == ids["c.pdf"] and refs[1]["paper_id"] is None
    assert cli_main(["--library", lib, "citing", str(ids["c.pdf"]), "--json"]) == 0
    assert [paper["paper_id"] for paper in json.loads(capsys.readouterr().out)] == [ids["a.pdf"]]
    assert cli_main(["--library", lib, "missing", "-k", "2", "--json"]) == 0
    missing = json.loads(capsys.readouterr().out)
    assert len(missing) == 2 and {"title", "authors", "year", "doi", "cited_by"} <= set(missing[0])
    assert cli_main(["--library", lib, "missing", "--json"]) == 0
    total = len(json.loads(capsys.readouterr().out))
    assert cli_main(["--library", lib, "missing", "-k", "1"]) == 0
    shown = capsys.readouterr()
    assert len(shown.out.splitlines()) == 1 < total  # a list cut short says so, and how to see it all
    assert shown.err == f"the 1 most cited of {total} missing works; -k {total} lists them all\n"
    assert cli_main(["--library", lib, "missing", "-k", "0"]) == 1
    assert capsys.readouterr().err == "litreview: -k must be at least 1\n"
    assert cli_main(["--library", lib, "missing", "--min-citing", "3"]) == 0  # an empty list says so
    assert capsys.readouterr().out == "nothing missing: no work outside the library is cited at least 3 times in the " \
        "reference lists of library papers (read from their PDFs)\n"
    assert cli_main(["--library", lib, "refs", "999"]) == 1


# ---------------------------------------------------------------------------------------------------- real PDFs


def _truth(shared_data: Path) -> dict[str, list[dict]]:
    path = shared_data / "pdfs" / "ground-truth" / "references.jsonl"
    return {record["pdf"]: record["refs"] for record in map(json.loads, path.read_text().splitlines()) if record}


def test_real_reference_lists_are_found(shared_data: Path) -> None:
    from litreview.core.text import normalize_title

    truth = _truth(shared_data)
    for name in ("cermine_tests__test2.pdf", "pmc_tulsi_tigr2ess__PMC5061480__fulltext.pdf",
                 "pmc_tulsi_tigr2ess__PMC4708241__fulltext.pdf"):
        references = read_references(shared_data / "pdfs" / "ground-truth" / name)
        expected = truth[name]
        titles = {normalize_title(reference.title) for reference in references}
        found = sum(1 for ref in expected if normalize_title(ref.get("title")) in titles)
        assert abs(len(references) - len(expected)) <= 1, name
        assert found >= 0.8 * len(expected), name


@pytest.mark.slow
def test_every_shared_pdf_reads_references_without_error(shared_data: Path) -> None:
    for path in sorted((shared_data / "pdfs").rglob("*.pdf")):
        result = read_references(path)
        assert isinstance(result, list), f"{path.name}: {result}"
        assert len(result) < 1000


@pytest.mark.slow
def test_resolution_and_missing_on_the_shared_papers(shared_data: Path, tmp_path: Path) -> None:
    """The PMC papers with a BibTeX file of every second work they cite: references resolve to those entries
    (precision >= 0.98, recall >= 0.95 over references whose title was read as the entry's), and `missing`
    lists >= 90 % of the works that two or more of them cite and the library lacks."""
    from rapidfuzz import fuzz

    from litreview.core.text import normalize_title

    folder = shared_data / "pdfs" / "ground-truth"
    records = [record for record in map(json.loads, (folder / "references.jsonl").read_text().splitlines())
               if record and record["pdf"].startswith("pmc_")]
    works: dict[str, dict] = {}
    for record in records:
        for ref in record["refs"]:
            if ref.get("title"):
                works.setdefault(normalize_title(ref["title"]), ref)
    half = dict(sorted(works.items())[::2])
    bib = tmp_path / "half.bib"
    bib.write_text("\n".join(
        f"@article{{w{i}, title = {{{ref['title']}}}, author = {{{' and '.join(ref.get('authors') or ['Anon'])}}},"
        f" year = {{{(ref.get('year') or '')[:4]}}}}}"
        for i, ref in enumerate(half.values())
    ), encoding="utf-8")
    with open_library(tmp_path / "lib.sqlite") as library:
        drive(run_import(library, [*(folder / record["pdf"] for record in records), bib], extract_in_child=False))
        conn = library.conn
        titles = {row[0]: normalize_title(row[1]) for row in conn.execute("SELECT id, title FROM papers")}
        bib_ids = {row[0] for row in conn.execute("SELECT id FROM papers WHERE citation_key IS NOT NULL")}
        rows = conn.execute("SELECT title, cited_paper_id FROM paper_references").fetchall()
        resolved = [(normalize_title(title), cited) for title, cited in rows if cited in bib_ids]
        right = sum(1 for title, cited in resolved if fuzz.ratio(title, titles[cited]) >= 90)
        assert right / len(resolved) >= 0.98
        reachable = [(normalize_title(title), cited) for title, cited in rows if normalize_title(title) in half]
        found = sum(1 for title, cited in reachable if cited is not None and titles[cited] == title)
        assert found / len(reachable) >= 0.95
        missing = {normalize_title(work["title"]) for work in missing_works(conn, paper_ids=None)}
    citers: dict[str, set[str]] = {}
    for record in records:
        for ref in record["refs"]:
            citers.setdefault(normalize_title(ref.get("title")), set()).add(record["pdf"])
    # The ground truth spells some works two ways: a work is in the library when a spelling of it is in the file.
    wanted = [
        key
        for key, ids in citers.items()
        if key and len(ids) >= 2 and not any(fuzz.ratio(key, other) >= 90 for other in half)
    ]
    unlisted = [key for key in wanted if not any(fuzz.ratio(key, title) >= 90 for title in missing)]
    assert len(unlisted) <= 0.1 * len(wanted), unlisted


@pytest.mark.parametrize("heading", [
    "References", "REFERENCES", "4. References", "Reference list", "Notes and references", "Bibliography",
    "Bibliographie", "Literature Cited", "Works cited", "Cited literature", "Literatur", "Literaturverzeichnis",
    "Referências bibliográficas", "Referencias", "Références", "Riferimenti bibliografici", "Bibliografia",
    "Литература", "参考文献", "LİTERATURE CİTED", "BİBLİOGRAPHY",
])
def test_a_page_is_laid_out_for_every_reference_heading(heading):
    """Pages are laid out only when their plain text holds a heading's word: each heading must have one."""
    from litreview.ingest.pdf.references import HEADING_RE, _holds_heading_word

    assert HEADING_RE.match(heading) and _holds_heading_word(heading)


def test_a_numbered_entry_that_lists_several_works_gives_each_its_reference(tmp_path: Path) -> None:
    """The Institute of Physics' journals list several works under one number, a row each."""
    doc = pymupdf.open()
    page = _references_page(doc, "A paper whose numbered entries list several works")
    rows = [
        "[1] Perlmutter S et al, 1997 Astrophys. J. 483 565",
        "Riess A G et al, 1998 Astron. J. 116 1009",
        "Grøn Ø and Hervik S, 2007 Einstein's General Theory of Relativity (New York: Springer)",
        "[2] Ellis G F R, Maartens R and MacCallum M A H, 2012 Relativistic Cosmology (Cambridge: Cambridge",
        "University Press)",
        "[3] Yoo C-M, Kai T and Nakao K-i, 2008 Prog. Theor. Phys. 120 937",
        "[4] Wiltshire D L, 2007 New J. Phys. 9 377",
    ]
    y = 100
    for row in rows:
        page.insert_text((60 if row.startswith("[") else 75, y), row, fontsize=8)
        y += 11
    references = read_references(_save(doc, tmp_path / "several-works.pdf"))
    assert [(reference.authors[0], reference.year) for reference in references] == [
        ("Perlmutter, S", 1997), ("Riess, A G", 1998), ("Grøn, Ø", 2007), ("Ellis, G F R", 2012), ("Yoo, C-M", 2008),
        ("Wiltshire, D L", 2007)]
    assert "University Press" in references[3].raw
    assert [(reference.venue, reference.volume, reference.pages) for reference in references[:2]] == [
        ("Astrophys. J", "483", "565"), ("Astron. J", "116", "1009")]
