"""Build ``folding-checked.json``: the hand-checked set that folding is scored on.

    python corpora/organisations/build_folding_set.py [RAW_DIR]

The judgements are the data below, written by hand after reading every organisation cell
of the registers in ``../shared`` grouped loosely (same words, near spellings, acronyms):
``GROUPS`` are organisations printed more than one way, or renamed or acquired (a rename
or acquisition carries its citation in words); ``SINGLES`` are organisations printed one
way that sit close to another (neighbouring councils and CCGs, a charity and an NHS trust
with one word in common, a university and its city's hospital trust): pairs that must
not fold. Ambiguous cells were left out rather than guessed: a hospital named without its
trust ("Royal Liverpool University Hospital", "Addenbrooke's Hospital"), a unit of a body
("Royal College of Surgeons Clinical Effectiveness Unit", "NATCANSAT - ..."), a programme
("National Institute for Health Research (NIHR) Bioresource"), a kind of body ("Non-
specialist acute trusts in England").

The script checks that every spelling was printed where it says (a register row read by
``corpora/entities/raw_sources.py``, a seed dump's text, or an ODS list) and writes the
places it was seen.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path[:0] = [str(ROOT / "corpora" / "entities"), str(ROOT)]

from build_gazetteer import nhsd_sightings, phe_sightings, tsia_sightings
from raw_sources import RAW

SEEDS = Path("/work/shared/seeds")
SEEN_IN_TEXT = ("seeds/003_902676778b2a39ea.txt", "seeds/000_9ce4a5481bf26177.txt",
                "corpora-raw/medconfidential-dataregister/csus_ccgs.txt",
                "corpora-raw/ods-reference/eccg.csv")

# (spellings, citation of a rename or acquisition or None)
GROUPS: list[tuple[list[str], str | None]] = [
    (["CQC", "Care Quality Commission", "Care Quality Commission (CQC)", "Care Quality Commission (cqc)"], None),
    (["CHKS", "CHKS Limited"], None),
    (["Cancer Research UK", "Cancer Research Uk"], None),
    (["Institute of Cancer Research", "The Institute of Cancer Research"], None),
    (["Clinical Practice Research DataLink", "Clinical Practice Research Datalink (cprd)",
      "Clinical Research Practice DataLink"], None),
    (["Dr Foster Intelligence", "Dr. Foster Limited"],
     "Dr Foster Intelligence traded as Dr Foster Limited from 2015, when Telstra Health bought it"),
    (["Dr Foster Unit at Imperial College", "Dr Foster Unit at Imperial College London"], None),
    (["Genomics England", "Genomics England Ltd"], None),
    (["Guy's And St Thomas' NHS Foundation Trust", "Guy's and St Thomas' Hospital Foundation Trust",
      "Guy's and St Thomas' NHS Foundation Trust"], None),
    (["HEALTH & SOCIAL CARE INFORMATION CENTRE", "Health and Social Care Information Centre", "NHS Digital"],
     "The Health and Social Care Information Centre adopted the name NHS Digital, 2016"),
    (["Health IQ Ltd", "Health iQ Limited"], None),
    (["Healthcare Quality Improvement Partnership", "Healthcare Quality Improvement Partnership (hqip)"], None),
    (["Leeds University", "University Of Leeds", "University of Leeds"], None),
    (["Royal Liverpool And Broadgreen University Hospitals NHS Trust",
      "Royal Liverpool and Broadgreen University Hospitals NHS Trust"], None),
    (["University Of Liverpool", "University of Liverpool"], None),
    (["London North West Healthcare NHS Trust", "London North West University Healthcare NHS Trust"],
     "London North West Healthcare NHS Trust took the name London North West University Healthcare NHS Trust, 2017"),
    (["London School Of Hygiene And Tropical Medicine", "London School of Hygiene & Tropical Medicine",
      "London School of Hygiene and Tropical Medicine"], None),
    (["MONITOR", "Monitor"], None),
    (["Methods Analytics Ltd", "Methods Insight Analytics"],
     "Methods Insight Analytics renamed Methods Analytics, around 2018"),
    (["NHS Arden And Greater East Midlands Commissioning Support Unit",
      "NHS Arden and Greater East Midlands Commissioning Support Unit"], None),
    (["NHS North And East London Commissioning Support Unit",
      "NHS North and East London Commissioning Support Unit"], None),
    (["NHS ENGLAND (QUARRY HOUSE)", "NHS England", "NHS England (Quarry House)", "NHS England (Skipton House)",
      "NHS England (temporary National Repository)"], None),
    (["NHS Trafford CCG", "NHS Greater Manchester ICB - 02a", "NHS GREATER MANCHESTER ICB - 02A"],
     "ODS: NHS Trafford CCG continued as sub-ICB location 02A of NHS Greater Manchester ICB, 1 July 2022"),
    (["NHS Wirral CCG", "NHS CHESHIRE AND MERSEYSIDE ICB - 12F"],
     "ODS: NHS Wirral CCG continued as sub-ICB location 12F of NHS Cheshire and Merseyside ICB, 1 July 2022"),
    (["NHS Liverpool CCG", "NHS CHESHIRE AND MERSEYSIDE ICB - 99A"],
     "ODS: NHS Liverpool CCG continued as sub-ICB location 99A, 1 July 2022"),
    (["NHS Stockport CCG", "NHS GREATER MANCHESTER ICB - 01W"],
     "ODS: NHS Stockport CCG continued as sub-ICB location 01W, 1 July 2022"),
    (["NHS Wakefield CCG", "NHS WEST YORKSHIRE ICB - 03R"],
     "ODS: NHS Wakefield CCG continued as sub-ICB location 03R, 1 July 2022"),
    (["NHS KENT AND MEDWAY CCG", "NHS KENT AND MEDWAY ICB - 91Q"],
     "ODS: NHS Kent and Medway CCG continued as sub-ICB location 91Q, 1 July 2022"),
    (["NICOR", "National Institute For Cardiovascular Outcomes Research"], None),
    (["North Tees and Hartlepool Hospitals NHS Foundation Trust", "North Tees and Hartlepool NHS Foundation Trust"], None),
    (["Office For National Statistics", "Office for National Statistics", "Office for National Statistics (ONS)"], None),
    (["Oxford University", "University Of Oxford", "University of Oxford", "University of Oxford, Department of Paediatrics"], None),
    (["PUBLIC HEALTH ENGLAND (PHE)", "Public Health England", "Public Health England (PHE)", "Public Health England (phe)"], None),
    (["Queen Mary University of London", "Queen Mary's University London", "Queen Mary's, University of London"], None),
    (["Royal College Of Physicians Of London", "Royal College of Physicians", "Royal College of Physicians of London"], None),
    (["Royal College of Surgeons", "Royal College of Surgeons of England", "The Royal College Of Surgeons Of England"], None),
    (["Sheffield University", "University of Sheffield"], None),
    (["Sheffield Teaching Hospitals NHS Foundation Trust", "Sheffield Teaching Hospitals NHS Trust"], None),
    (["South London And Maudsley NHS Foundation Trust", "South London and Maudsley Foundation NHS Trust"], None),
    (["The Royal Marsden Foundation Trust", "The Royal Marsden NHS Foundation Trust"], None),
    (["UK Biobank", "Uk Biobank"], None),
    (["University Of Nottingham", "University of Nottingham"], None),
    (["Addenbrooke's Hospital, Cambridge University Hospitals Trust", "Cambridge University Hospitals NHS Foundation Trust",
      "Cambridge University Hospitals NHS Trust"], None),
    (["The University Of Manchester", "The University of Manchester", "University of Manchester"], None),
    (["University College London", "University College London (UCL)", "University College London (ucl)"], None),
    (["University Hospital Birmingham NHS Foundation Trust", "University Hospitals Birmingham",
      "University Hospitals Birmingham NHS Foundation Trust"], None),
    (["University Hospitals Bristol NHS Foundation Trust", "University Hospitals Bristol and Weston NHS Foundation Trust"],
     "University Hospitals Bristol took in Weston Area Health and became University Hospitals Bristol and Weston NHS Foundation Trust, April 2020"),
    (["University Hospitals of Leicester NHS Foundation Trust", "University Hospitals of Leicester NHS Trust"], None),
    (["University Of Birmingham", "University of Birmingham"], None),
    (["University Of Bristol", "University of Bristol"], None),
    (["University Of Cambridge", "University of Cambridge"], None),
    (["NHS Redbridge CCG", "NHS Redbridge Ccg"], None),
    (["NHS Warwickshire North CCG", "NHS Warwickshire North Ccg"], None),
    (["Wirral Council", "Wirral Metropolitan Borough Council"], None),
    (["IMS Health", "IQVIA Ltd"],
     "IMS Health and Quintiles merged as QuintilesIMS (October 2016), renamed IQVIA (November 2017)"),
]

SINGLES: list[str] = [
    "National Institute For Health Research", "Iqvia Technology Services Ltd.",
    "Department of Health and Social Care", "Isle of Man Department of Health & Social Care",
    "Imperial College London", "East Sussex County Council", "West Sussex County Council",
    "Gloucestershire County Council", "Leicestershire County Council", "South Gloucestershire Council",
    "Worcestershire County Council", "Halton Borough Council", "Luton Borough Council",
    "Leiden University", "Leiden University Medical Centre", "Liverpool John Moores University",
    "London Borough of Hackney", "London Borough of Haringey", "London Borough of Havering",
    "London Borough of Hillingdon", "London Borough of Islington", "London Borough of Lewisham Council",
    "London Borough of Newham Council", "London Borough of Merton Council", "London Borough of Sutton Council",
    "London Cancer Alliance", "North Central London Cancer Alliance", "Monitor Deloitte",
    "National Institute for Health and Care Excellence (NICE)", "National Institute of Health (NIH)",
    "North East Lincolnshire Council", "North Lincolnshire Council", "Public Health Wales",
    "Public Health Directorate, Jersey", "Papworth Trust", "Royal Papworth Hospital NHS Foundation Trust",
    "Leeds Teaching Hospitals NHS Trust", "Blackpool Teaching Hospitals NHS Foundation Trust",
    "University Hospital Southampton NHS Foundation Trust", "University of Southampton",
    "Central Manchester University Hospitals NHS Foundation Trust", "Manchester University NHS Foundation Trust",
    "University Hospital of South Manchester NHS Foundation Trust", "University College London Hospitals NHS Foundation Trust",
    "University Hospitals of Derby and Burton NHS Foundation Trust", "University Hospitals of North Midlands NHS Foundation Trust",
    "University of Leicester", "North Bristol NHS Trust", "NHS Greater Manchester Integrated Care Board",
    "Barnsley Metropolitan Borough Council", "Bolton Metropolitan Borough Council", "Bury Metropolitan Borough Council",
    "Calderdale Metropolitan Borough Council", "Dudley Metropolitan Borough Council",
    "Gateshead Metropolitan Borough Council", "Knowsley Metropolitan Borough Council",
    "Oldham Metropolitan Borough Council", "Rochdale Metropolitan Borough Council",
    "Sandwell Metropolitan Borough Council", "Solihull Metropolitan Borough Council",
    "South Tyneside Metropolitan Borough Council", "St Helens Metropolitan Borough Council",
    "Stockport Metropolitan Borough Council", "Tameside Metropolitan Borough Council",
    "Trafford Metropolitan Borough Council", "Walsall Metropolitan Borough Council", "Wigan Metropolitan Borough Council",
    "NHS Barking and Dagenham CCG", "NHS Barnsley CCG", "NHS Basildon and Brentwood CCG", "NHS Bassetlaw CCG",
    "NHS Bedfordshire CCG", "NHS Berkshire West CCG", "NHS Birmingham and Solihull CCG",
    "NHS Blackburn with Darwen CCG", "NHS Blackpool CCG", "NHS Bolton CCG", "NHS Bradford District and Craven CCG",
    "NHS Brent CCG", "NHS Brighton and Hove CCG", "NHS Buckinghamshire CCG", "NHS Bury CCG", "NHS Calderdale CCG",
    "NHS Cambridgeshire and Peterborough CCG", "NHS Cannock Chase CCG", "NHS Castle Point and Rochford CCG",
    "NHS Cheshire CCG", "NHS Chorley and South Ribble CCG", "NHS County Durham CCG", "NHS Coventry and Rugby CCG",
    "NHS Derby and Derbyshire CCG", "NHS Devon CCG", "NHS Doncaster CCG", "NHS Dorset CCG", "NHS Dudley CCG",
    "NHS Ealing CCG", "NHS East Berkshire CCG", "NHS East Lancashire CCG", "NHS East Leicestershire and Rutland CCG",
    "NHS East Riding of Yorkshire CCG", "NHS East Staffordshire CCG", "NHS East and North Hertfordshire CCG",
    "NHS Fareham and Gosport CCG", "NHS Fylde and Wyre CCG", "NHS Gloucestershire CCG", "NHS Greater Huddersfield CCG",
    "NHS Greater Preston CCG", "NHS Halton CCG", "NHS Hammersmith and Fulham CCG", "NHS Harrow CCG",
    "NHS Herts Valleys CCG", "NHS Hillingdon CCG", "NHS Hounslow CCG", "NHS Hull CCG", "NHS Ipswich and East Suffolk CCG",
    "NHS Isle of Wight CCG", "NHS Kernow CCG", "NHS Knowsley CCG", "NHS Leeds CCG", "NHS Leicester City CCG",
    "NHS Luton CCG", "NHS Manchester CCG", "NHS Mid Essex CCG", "NHS Milton Keynes CCG", "NHS Morecambe Bay CCG",
    "NHS Newcastle Gateshead CCG", "NHS North Cumbria CCG", "NHS North East Essex CCG",
    "NHS North East Hampshire and Farnham CCG", "NHS North East Lincolnshire CCG", "NHS North Hampshire CCG",
    "NHS North Kirklees CCG", "NHS North Lincolnshire CCG", "NHS North Staffordshire CCG", "NHS North Tyneside CCG",
    "NHS Northamptonshire CCG", "NHS Northumberland CCG", "NHS Oldham CCG", "NHS Oxfordshire CCG", "NHS Portsmouth CCG",
    "NHS Rotherham CCG", "NHS Salford CCG", "NHS Sandwell and West Birmingham CCG", "NHS Sheffield CCG",
    "NHS Shropshire CCG", "NHS Somerset CCG", "NHS South East Staffordshire and Seisdon Peninsula CCG",
    "NHS South Eastern Hampshire CCG", "NHS South Sefton CCG", "NHS South Tyneside CCG", "NHS South Warwickshire CCG",
    "NHS Southampton CCG", "NHS Southend CCG", "NHS Southport and Formby CCG", "NHS Stafford and Surrounds CCG",
    "NHS Sunderland CCG", "NHS Surrey Heath CCG", "NHS Tameside and Glossop CCG", "NHS Tees Valley CCG",
    "NHS Telford and Wrekin CCG", "NHS Thurrock CCG", "NHS Vale of York CCG", "NHS Walsall CCG",
    "NHS Waltham Forest CCG", "NHS Warrington CCG", "NHS West Essex CCG", "NHS West Hampshire CCG",
    "NHS West Lancashire CCG", "NHS West Leicestershire CCG", "NHS West London CCG", "NHS West Suffolk CCG",
    "NHS Wigan Borough CCG", "NHS Wolverhampton CCG",
]


def sightings(raw: Path) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = defaultdict(set)
    for name, _, source in nhsd_sightings(raw) + phe_sightings(raw) + tsia_sightings(raw):
        seen[name.strip()].add(source)
    return seen


def where(spelling: str, seen: dict[str, set[str]], texts: dict[str, str]) -> list[str]:
    found = sorted(seen.get(spelling, set()))
    # Text dumps break a cell over lines: compared with runs of spaces made one.
    found += [name for name, text in texts.items() if " ".join(spelling.split()) in text]
    if not found:
        raise SystemExit(f"{spelling!r} was not printed in any register read here: fix the set")
    return found[:3]


def main(raw: Path = RAW) -> None:
    seen = sightings(raw)
    files = {name: raw.parent / name if name.startswith("seeds/") else raw / name.removeprefix("corpora-raw/")
             for name in SEEN_IN_TEXT}
    texts = {name: " ".join(path.read_text(encoding="utf-8", errors="replace").replace('"', " ").split())
             for name, path in files.items()}
    orgs = []
    for spellings, citation in GROUPS:
        org: dict[str, object] = {"spellings": [{"name": s, "seen": where(s, seen, texts)} for s in spellings]}
        if citation:
            org["renamed_or_acquired"] = citation
        orgs.append(org)
    orgs += [{"spellings": [{"name": s, "seen": where(s, seen, texts)}]} for s in SINGLES]
    names = [s["name"] for o in orgs for s in o["spellings"]]  # type: ignore[index]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SystemExit(f"spellings in two organisations: {duplicates}")
    out = {"about": "hand-checked organisations with their spellings as printed (see build_folding_set.py)",
           "organisations": orgs}
    path = HERE / "folding-checked.json"
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(orgs)} organisations, {len(names)} spellings -> {path}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else RAW)
