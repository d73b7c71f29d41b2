"""assessor: evidence-gap reports mapping framework requirements onto MMD's certifications."""

__version__ = "0.1.0"
