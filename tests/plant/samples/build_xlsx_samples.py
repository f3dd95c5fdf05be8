"""Rebuild the XLSX samples: `python tests/plant/samples/build_xlsx_samples.py`.

They are written with openpyxl directly (not with otcsms's own writer), with the cell types a spreadsheet user
produces: numbers for levels, firmware and serials, a date, and a blank row in the middle.
"""

import datetime as dt
from pathlib import Path

import openpyxl

HERE = Path(__file__).parent

SHEETS = {
    "sites": [
        ["Name", "Sector", "Location", "NERC_Impact", "Description"],
        ["North Water Treatment Plant", "Water", "Springfield, OR", "none", "Surface water treatment"],
        [],
        ["Riverside Substation", "Electric Transmission", "Riverside", "medium", dt.date(2024, 3, 1)],
    ],
    "zones": [
        ["name", "sl_t", "parent", "description"],
        ["Enterprise", 1, None, "Business network"],
        ["Control", "2,2,1,3,1,1,2", None, None],
        [],
        ["Safety", 3, "Control", "Safety instrumented system"],
    ],
    "conduits": [
        ["name", "zones", "protocols", "security_device", "description"],
        ["DMZ to Control", "Plant DMZ;Control", "OPC UA;Modbus TCP", "FW-02", None],
    ],
    "assets": [
        ["name", "zone", "type", "vendor", "model", "firmware", "serial", "criticality", "ip", "endpoints"],
        [
            "PLC-101",
            "Control",
            "PLC",
            "Rockwell",
            "ControlLogix 5580",
            33.011,
            42,
            "critical",
            "10.20.1.11",
            "opc.tcp://10.20.1.11:4840/ua",
        ],
        [
            "RTU-7",
            "Control",
            "rtu",
            "SEL",
            "RTAC 3530",
            148.0,
            None,
            "High",
            "10.20.1.70",
            "dnp3+tcp://10.20.1.70:20000?outstation=7&master=1",
        ],
    ],
    "people": [
        ["name", "email", "role", "employer", "site"],
        ["Ana Ruiz", "ana.ruiz@example.org", "OT engineer", None, "North Water Treatment Plant"],
        ["Chris Vendor", "chris@integrator.example", "Integrator", "Acme Integration", None],
    ],
}


def build() -> None:
    for kind, rows in SHEETS.items():
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = kind
        for row in rows:
            sheet.append(row)
        notes = workbook.create_sheet("notes")  # only the first sheet is read
        notes.append(["this sheet is ignored", "=1/0"])
        workbook.save(HERE / f"{kind}.xlsx")


if __name__ == "__main__":
    build()
