"""Build ``datasets.json``: the canonical NHS data sets the registers name, with aliases.

    python corpora/catalogue/build_catalogue.py [RAW_DIR]

The entries below (canonical name, abbreviations, hand-written aliases) were written by
reading the distinct dataset names in the registers. The script then walks the raw
registers and adds every distinct printed name that maps to an entry as an alias,
with the file (and sheet/column) it came from:

- NHS Digital 2021 workbook, DataReleases "Type of Data Provided" (79 distinct values)
- theysolditanyway.com pages, the numbered "Datasets:" lists
- PHE registers, "Data source" / "DataSource" columns (comma-separated lists)
- the HSCIC 2014 seed text dump, "Type of Data Provided" cells (hand-copied below)

Printed names that map to nothing are written to ``unmapped.txt`` for a person to
review; that list is where new catalogue entries come from.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "entities"), str(HERE.parent.parent)]

from raw_sources import (
    NHSD_2021,
    PHE_2014,
    PHE_2017,
    RAW,
    TSIA,
    nhsd_2021_sheet,
    phe_2014_rows,
    phe_2017_rows,
    tsia_pages,
)

HES = "Hospital Episode Statistics"
SUS_PBR = "Secondary Uses Service Payment By Results"
SEED = "seeds/003_902676778b2a39ea.txt (HSCIC Data Release Register 2014)"

# canonical, abbreviations, aliases (written by hand from the registers' spellings)
ENTRIES: list[tuple[str, list[str], list[str]]] = [
    (f"{HES} Admitted Patient Care", ["HES APC"], [
        "HES Admitted Patient Care", "HES Inpatient", "HES Inpatients", "HES in-patient",
        "HES IP", "Admitted Patient Care HES", "APC HES", "HES APC data", "NDRS Linked HES APC",
        "Uncurated Low Latency Hospital Data Sets - Admitted Patient Care",
    ]),
    (f"{HES} Outpatients", ["HES OP"], [
        "HES Outpatient", "HES Outpatients", "HES out-patient", "NDRS Linked HES Outpatient",
        "Uncurated Low Latency Hospital Data Sets - Outpatient",
    ]),
    (f"{HES} Accident and Emergency", ["HES A&E", "HES A and E", "HES AE"], [
        "HES Accident and Emergency", "HES Accident & Emergency", "NDRS Linked HES AE",
    ]),
    (f"{HES} Critical Care", ["HES CC"], ["HES Critical Care", "HES Adult Critical Care"]),
    (HES, ["HES"], ["Hospital Episode Statistics (HES)", "HES data"]),
    ("Hospital Episode Statistics linked to ONS mortality", ["HES-ONS"], [
        "HES/ONS Linked", "HES/ONS", "HES-ONS linked", "HES ONS linked mortality",
    ]),
    ("HES:Civil Registration (Deaths) bridge", [], [
        "HES Civil Registration Deaths bridge", "HES:Civil Registration (Deaths) bridge file",
    ]),
    ("Bridge file: Hospital Episode Statistics to Diagnostic Imaging Dataset", [], [
        "HES-DID bridging file", "HES to DID bridge",
    ]),
    ("Bridge file: Hospital Episode Statistics to Mental Health Minimum Data Set", [], [
        "MHMDS Bridging File", "MHMDS-HES Bridging File", "HES-MHMDS Bridging File",
        "MHMDS HES bridge",
    ]),
    ("HES-ID to MPS-ID bridge", [], [
        "HES-ID to MPS-ID HES Accident and Emergency", "HES-ID to MPS-ID HES Admitted Patient Care",
        "HES-ID to MPS-ID HES Outpatients",
    ]),
    ("Mental Health Services Data Set", ["MHSDS"], ["Mental Health Services Dataset"]),
    ("Mental Health Minimum Data Set", ["MHMDS"], ["Mental Health Minimum Dataset"]),
    ("Mental Health and Learning Disabilities Data Set", ["MHLDDS"], [
        "Mental Health and Learning Disabilities Dataset",
    ]),
    ("Improving Access to Psychological Therapies Data Set", ["IAPT"], [
        "Improving Access to Psychological Therapies", "IAPT Data Set", "IAPT dataset",
    ]),
    ("Civil Registration - Deaths", ["ONS Mortality"], [
        "ONS Mortality Data", "ONS mortality", "ONS death data", "ONS deaths",
        "Office for National Statistics Mortality Data", "Civil Registrations of Death",
        "Civil Registration (Deaths)", "Civil Registration Deaths", "death registrations",
        "Fact of Death", "ONS Mortality Data - Fact of Death",
    ]),
    ("Civil Registration (Deaths) - Secondary Care Cut", [], [
        "Civil Registrations of Death - Secondary Care Cut",
    ]),
    ("Civil Registration - Births", ["ONS Births"], [
        "Civil Registration (Births)", "ONS birth data",
    ]),
    ("ONS Cancer Data", [], ["ONS Cancer Registrations", "ONS cancer registration data"]),
    ("Medical Research Information Service", ["MRIS"], [
        "Medical Research Information Services", "MRIS - Bespoke", "MRIS reports",
    ]),
    ("MRIS - Cause of Death Report", [], []),
    ("MRIS - Cohort Event Notification Report", [], []),
    ("MRIS - List Cleaning Report", [], []),
    ("MRIS - Members and Postings Report", [], []),
    ("MRIS - Flagging Current Status Report", [], []),
    ("MRIS - Scottish NHS / Registration", [], ["Scottish NHS Registration", "Scottish NHSCR"]),
    ("MRIS - Personal Demographics Service", [], []),
    ("SUS for Commissioners", [], ["Secondary Uses Service for Commissioners"]),
    ("Secondary Uses Service", ["SUS"], [
        "SUS data", "SUS activity", "SUS (Accident & Emergency, Inpatient and Outpatient data)",
        "Minimal SUS Dataset for COVID-19 Surveillance",
    ]),
    ("SUS Admitted Patient Care", [], ["SUS Admitted Patient Care data", "SUS APC"]),
    ("SUS Outpatient", [], ["SUS Outpatient data", "SUS OP"]),
    ("SUS Accident & Emergency", [], ["SUS Accident & Emergency data", "SUS A&E"]),
    (SUS_PBR, ["SUS PbR"], ["PbR data", "SUS Payment by Results", "PbR"]),
    (f"{SUS_PBR} Episodes", ["SUS PbR APC Episodes"], [
        "SUS PbR Episodes", "SUS PBR Episodes/Spells APC Records",
    ]),
    (f"{SUS_PBR} Spells", ["SUS PbR APC Spells"], ["SUS PbR Spells"]),
    (f"{SUS_PBR} Outpatients", ["SUS PbR OP"], [
        "SUS PbR Outpatient", "SUS PbR Outpatient Records", "SUS PbR Outpatients",
    ]),
    (f"{SUS_PBR} Accident & Emergency", ["SUS PbR A&E"], [
        "Secondary Uses Service Payment By Results Accident and Emergency",
    ]),
    (f"{SUS_PBR} Critical Care", ["SUS PbR Critical Care"], []),
    (f"{SUS_PBR} Readmissions", ["SUS PbR Readmissions"], []),
    ("SUS plus - Admitted Patient Care (beta version)", ["SUS+ APC"], []),
    ("Patient Reported Outcome Measures", ["PROMs", "PROMS"], ["PROMs data"]),
    ("Patient Reported Outcome Measures (Linkable to HES)", [], ["PROMs linkable to HES"]),
    ("Summary Hospital-level Mortality Indicator", ["SHMI"], [
        "Summary Hospital-level Mortality Indictor", "SHMI derived fields", "SHMI data",
        ("HES data with fields derived for the calculation of the Summary Hospital-level "
        "Mortality Indicator (SHMI)"),
    ]),
    ("Emergency Care Data Set", ["ECDS"], [
        "Emergency Care Dataset", "Uncurated Low Latency Hospital Data Sets - Emergency Care",
    ]),
    ("Community Services Data Set", ["CSDS"], ["Community Services Dataset"]),
    ("Diagnostic Imaging Dataset", ["DID"], ["Diagnostic Imaging Data Set", "NDRS Linked DIDs"]),
    ("National Cancer Waiting Times Monitoring DataSet", ["CWT"], [
        "Cancer Waiting Times", "Cancer Waiting Times (CWT) Data Set",
        "NDRS Linked Cancer Waiting Times (Treatments only)",
    ]),
    ("Maternity Services Data Set", ["MSDS"], [
        "Maternity Services Dataset", "MSDS (Maternity Services Data Set)",
    ]),
    ("Children and Young People Health", ["CYPHS"], [
        "Children and Young People's Health Services Data Set",
    ]),
    ("National Diabetes Audit", ["NDA"], []),
    ("Primary Care Mortality Data", [], ["Primary Care Mortality Database"]),
    ("GPES Data for Pandemic Planning and Research (COVID-19)", ["GDPPR"], [
        "GPES Data for Pandemic Planning and Research",
    ]),
    ("e-Referral Service for Commissioning", ["e-RS"], []),
    ("Personal Demographic Service", ["PDS"], ["Personal Demographics Service"]),
    ("Demographics", [], []),
    ("Covid-19 UK Non-hospital Antigen Testing Results (pillar 2)", [], ["Pillar 2 testing"]),
    ("COVID-19 Hospitalization in England Surveillance System", ["CHESS"], []),
    ("COVID-19 Second Generation Surveillance System", ["SGSS"], [
        "Second Generation Surveillance System",
    ]),
    ("COVID-19 Access to Summary Care Records", [], []),
    ("Cancer Registration Data", [], [
        "NDRS Cancer Registrations", "Cancer Registry", "NDRS Cancer registration (pre-1995)",
        "NDRS Rapid Cancer Registrations", "NDRS Cancer Consolidated Data Set",
    ]),
    ("Cancer Registry linked to Diagnostic Imaging Dataset", [], []),
    ("Systemic Anti-Cancer Therapy Data Set", ["SACT"], [
        "NDRS Systemic Anti-Cancer Therapy Dataset",
    ]),
    ("National Radiotherapy Dataset", ["RTDS"], [
        "NDRS National Radiotherapy Dataset", "Radiotherapy Data Set",
    ]),
    ("National Cancer Patient Experience Survey", ["CPES"], [
        "NDRS National Cancer Patient Experience Survey",
    ]),
    ("Adult Social Care", [], []),
    ("Medicines dispensed in Primary Care (NHSBSA data)", [], []),
    ("Assuring Transformation", [], [
        "Assuring Transformation (Pseudo)", "Assuring Transformation (Identifiable)",
    ]),
    ("Adult Psychiatric Morbidity Survey", ["APMS"], []),
    ("NHS 111 Online Dataset", [], []),
    ("Permission to Contact", [], []),
    ("Clinical Registries for Commissioning", [], []),
    ("Shielded Patient List", ["SPL"], []),
    ("Ambulance Data Set", [], ["Ambulance Data Set (Pilot)"]),
    ("Birth Notification Data", [], []),
    ("GP Census data", [], [
        "GP Census data at individual level for all 4 Countries (England, Wales, Scotland and NI)",
    ]),
    ("Diabetic Eye Screening", [], [
        "Patient level data relating to Diabetic Retinopathy Eye Screening FOR DIRECT CARE",
    ]),
    ("Cardiovascular Disease Prevention Audit", ["CVDPREVENT"], [
        "CVD Prevent Audit", "Cardiovascular Disease Prevention Audit (CVD Prevent Audit)",
    ]),
    ("TRE Secondary Care Data", [], []),
    ("Episode and Spell level grouper results", [], [
        "Episode and Spell level grouper results; underlying patient level data.",
    ]),
    ("NCIP Theatre Data Set Discovery Project", [], []),
    ("NCIP Theatre Data Set Discovery Project Bridging File", [], []),
    # Local Provider Flows: one entry per flow, as DataReleases lists them.
    *[(f"{kind}-Local Provider Flows", [], [f"Local Provider Data - {alias or kind}"])
      for kind, alias in (
          ("Acute", ""), ("Ambulance", ""), ("Community", ""), ("Emergency Care", ""),
          ("Diagnostic Services", ""), ("Demand for Service", ""),
          ("Experience, Quality and Outcomes", ""), ("Mental Health", ""),
          ("Other Not Elsewhere Classified (NEC)", "Other not elsewhere classified"),
          ("Population Data", ""), ("Primary Care Services", "Primary Care"),
          ("Public Health and Screening Services", "Public Health & Screening services"),
      )],
    ("Commissioning Datasets", [], []),
    ("Invoice Validation Datasets", [], []),
    ("Risk Stratification Datasets", [], []),
    ("Health Survey for England", ["HSE"], []),
    ("NDRS Cancer Pathway", [], []),
    ("NDRS Somatic Molecular Dataset", [], []),
    # PHE Office for Data Release sources
    ("National Cancer Registration and Analysis Service", ["NCRAS"], [
        "National Cancer Registration Service", "National Cancer Registration and Analysis",
    ]),
    ("National Bowel Cancer Screening Programme", [], [
        "NHS Bowel Screening Programme", "National Bowel Screening Programme",
        "NHS Bowel Cancer Screening Programme",
    ]),
    ("National Breast Cancer Screening Programme", [], [
        "NHS Breast Cancer Screening Programme", "NHS Breast Screening Programme",
    ]),
    ("National Cervical Cancer Screening Programme", [], ["NHS Cervical Screening Programme"]),
    ("National Drug Treatment Monitoring System", ["NDTMS"], [
        "National Drug Treatment Monitoring Dataset",
    ]),
    ("National Congenital Anomaly and Rare Disease Registration Service", ["NCARDRS"], [
        "National Congenital Anomalies and Rare Disease",
        "National Congenital Anomaly and Rare Disease Registration Service (NCARDRS)",
    ]),
    ("PHE Screening", [], []),
    ("National Infection Service - HCAI", [], ["National Infection Service"]),
    ("National Malaria Registry", [], []),
    ("PHE Enhanced Tuberculosis Surveillance", ["ETS"], [
        "PHE Enhanced Tuberculous Surveillance (ETS) Data", "Enhanced Tuberculosis Surveillance",
    ]),
    ("SLOANE Audit", [], ["SLOANE Audit (PHE Screening)"]),
    ("VICORI cardiovascular datasets", [], []),
    ("National Child Measurement Programme", ["NCMP"], []),
]

# Printed as the seed prints them ("Type of Data Provided" column of the 2014 text dump).
SEED_NAMES = (
    "HES Inpatient", "HES Outpatient", "HES A&E", "MHMDS Bridging File", "MHMDS",
    "MHMDS-HES Bridging File", "ONS Mortality", "ONS Mortality Data", "PROMS",
    "Medical Research Information Services", "ONS Cancer Data", "Fact of Death",
    "SHMI derived fields", "HES/ONS Linked", "SUS PBR Episodes/Spells APC Records",
    "SUS PbR Outpatient Records",
)


def raw_names(raw: Path) -> dict[str, set[str]]:
    """Every distinct dataset name printed in the raw registers -> where it was printed."""
    found: dict[str, set[str]] = defaultdict(set)
    for row in nhsd_2021_sheet(raw, "DataReleases"):
        found[row["Type of Data Provided"]].add(f"{NHSD_2021}#DataReleases 'Type of Data Provided'")
    for name, text in tsia_pages(raw):
        for item in _tsia_datasets(text):
            found[item].add(f"{TSIA}/{name} 'Datasets:'")
    for row in phe_2017_rows(raw):
        for item in row["Data source"].split(","):
            found[item.strip()].add(f"{PHE_2017} 'Data source'")
    for name, row in phe_2014_rows(raw):
        for item in row["Data Source"].split(","):
            found[item.strip()].add(f"{PHE_2014}/{name} 'Data Source'")
    for name in SEED_NAMES:
        found[name].add(SEED)
    return {name: sources for name, sources in found.items() if name}


def _tsia_datasets(text: str) -> list[str]:
    items = []
    for heading in re.finditer(r"^Datasets:\s*$", text, re.MULTILINE):
        rest = text[heading.end():]
        stop = re.search(r"^\s*[A-Z][A-Za-z ]+:", rest, re.MULTILINE)
        found = re.findall(r"^\s*(?:\d+\.|•|-)\s*(.+?)\s*$", rest[: stop.start() if stop else None],
                           re.MULTILINE)
        # The site's excerpts stop mid-word; a list the excerpt cuts off loses its last item.
        items.extend(found if stop else found[:-1])
    return items


def build(raw: Path) -> tuple[list[dict[str, object]], list[str]]:
    from nlp.datasets import DatasetCatalogue

    entries = [
        {"canonical": c, "abbreviations": a, "aliases": [{"text": t, "source": "hand"} for t in al]}
        for c, a, al in ENTRIES
    ]
    catalogue = DatasetCatalogue.from_entries(entries)
    by_canonical = {str(e["canonical"]): e for e in entries}
    unmapped = []
    for name, sources in sorted(raw_names(raw).items()):
        whole = catalogue.lookup(name)
        if whole is None:
            unmapped.append(f"{name}\t{'; '.join(sorted(sources))}")
            continue
        aliases = by_canonical[whole]["aliases"]
        assert isinstance(aliases, list)
        for source in sorted(sources):
            aliases.append({"text": name, "source": source})
    return entries, unmapped


def main(raw: Path = RAW) -> None:
    entries, unmapped = build(raw)
    about = "Canonical NHS data sets named in the registers; see build_catalogue.py"
    text = json.dumps({"about": about, "datasets": entries}, indent=1, ensure_ascii=False)
    (HERE / "datasets.json").write_text(text + "\n", encoding="utf-8")
    (HERE / "unmapped.txt").write_text("\n".join(unmapped) + "\n", encoding="utf-8")
    print(f"{len(entries)} data sets, {len(unmapped)} printed names unmapped")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else RAW)
