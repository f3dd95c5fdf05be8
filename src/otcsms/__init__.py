"""otcsms: a Cybersecurity Management System that runs ISA/IEC 62443 as an operating program."""

__version__ = "0.1.0"
