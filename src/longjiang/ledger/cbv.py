"""The vocabularies of EPCIS 2.0 and CBV 2.0: context URLs, namespaces and CBV term lists.

Both the validator (:mod:`longjiang.ledger.epcis`) and the event hash
(:mod:`longjiang.ledger.eventhash`) need the CBV 2.0 vocabularies; they live here so that
neither of those modules imports the other. The GS1 identifier grammar (EPC URIs, Digital Link)
is :mod:`longjiang.ledger.gs1`. The vocabulary term lists are those of the EPCIS 2.0 JSON-LD
context (https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld; CBV 2.0 sections
7.1-7.5). :func:`canonical_vocab` gives a value's one canonical form, the CBV 2.0 web URI.
"""

from __future__ import annotations

import re

__all__ = [
    "ABSOLUTE_URI",
    "BIZ_STEPS",
    "BIZ_TRANSACTION_TYPES",
    "CBV_WEB_PREFIX",
    "DISPOSITIONS",
    "EPCIS_CONTEXT_URLS",
    "ERROR_REASONS",
    "GS1_VOC_PREFIX",
    "LEGACY_CBV_PREFIXES",
    "MEASUREMENT_TYPES",
    "SENSOR_ALARM_TYPES",
    "SENSOR_COMPONENTS",
    "SOURCE_DEST_TYPES",
    "VOCABULARIES",
    "canonical_vocab",
    "gs1_term",
]

#: the EPCIS 2.0 JSON-LD context, versioned and unversioned, and the pre-release location
EPCIS_CONTEXT_URLS = (
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
    "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
    "https://gs1.github.io/EPCIS/epcis-context.jsonld",
)
CBV_WEB_PREFIX = "https://ref.gs1.org/cbv/"
GS1_VOC_PREFIX = "https://gs1.org/voc/"
#: CBV 1.x URN vocabulary prefixes and their CBV 2.0 web URI equivalents
LEGACY_CBV_PREFIXES = {
    "urn:epcglobal:cbv:bizstep:": CBV_WEB_PREFIX + "BizStep-",
    "urn:epcglobal:cbv:disp:": CBV_WEB_PREFIX + "Disp-",
    "urn:epcglobal:cbv:btt:": CBV_WEB_PREFIX + "BTT-",
    "urn:epcglobal:cbv:sdt:": CBV_WEB_PREFIX + "SDT-",
    "urn:epcglobal:cbv:er:": CBV_WEB_PREFIX + "ER-",
}

# CBV 2.0 vocabularies (CBV 2.0 sections 7.1-7.5; term lists of the EPCIS 2.0 JSON-LD context)
BIZ_STEPS = frozenset(
    [
        "accepting",
        "arriving",
        "assembling",
        "collecting",
        "commissioning",
        "consigning",
        "creating_class_instance",
        "cycle_counting",
        "decommissioning",
        "departing",
        "destroying",
        "disassembling",
        "dispensing",
        "encoding",
        "entering_exiting",
        "holding",
        "inspecting",
        "installing",
        "killing",
        "loading",
        "other",
        "packing",
        "picking",
        "receiving",
        "removing",
        "repackaging",
        "repairing",
        "replacing",
        "reserving",
        "retail_selling",
        "sampling",
        "sensor_reporting",
        "shipping",
        "staging_outbound",
        "stock_taking",
        "stocking",
        "storing",
        "transporting",
        "unloading",
        "unpacking",
        "void_shipping",
    ]
)
DISPOSITIONS = frozenset(
    [
        "active",
        "available",
        "completeness_verified",
        "completeness_inferred",
        "conformant",
        "container_closed",
        "container_open",
        "damaged",
        "destroyed",
        "dispensed",
        "disposed",
        "encoded",
        "expired",
        "in_progress",
        "in_transit",
        "inactive",
        "mismatch_instance",
        "mismatch_class",
        "mismatch_quantity",
        "needs_replacement",
        "no_pedigree_match",
        "non_conformant",
        "non_sellable_other",
        "partially_dispensed",
        "recalled",
        "reserved",
        "retail_sold",
        "returned",
        "sellable_accessible",
        "sellable_not_accessible",
        "stolen",
        "unavailable",
        "unknown",
    ]
)
BIZ_TRANSACTION_TYPES = frozenset(
    [
        "bol",
        "cert",
        "desadv",
        "inv",
        "pedigree",
        "po",
        "poc",
        "prodorder",
        "recadv",
        "rma",
        "testprd",
        "testres",
        "upevt",
    ]
)
SOURCE_DEST_TYPES = frozenset({"owning_party", "possessing_party", "location"})
ERROR_REASONS = frozenset({"did_not_occur", "incorrect_data"})
SENSOR_ALARM_TYPES = frozenset({"ALARM_CONDITION", "ERROR_CONDITION"})
SENSOR_COMPONENTS = frozenset(
    [
        "x",
        "y",
        "z",
        "axial_distance",
        "azimuth",
        "height",
        "spherical_radius",
        "polar_angle",
        "elevation_angle",
        "easting",
        "northing",
        "latitude",
        "longitude",
        "altitude",
    ]
)
MEASUREMENT_TYPES = frozenset(
    [
        "AbsoluteHumidity",
        "AbsorbedDose",
        "AbsorbedDoseRate",
        "Acceleration",
        "Altitude",
        "AmountOfSubstance",
        "AmountOfSubstancePerUnitVolume",
        "Angle",
        "AngularAcceleration",
        "AngularMomentum",
        "AngularVelocity",
        "Area",
        "Capacitance",
        "Conductance",
        "Conductivity",
        "Count",
        "Density",
        "Dimensionless",
        "DoseEquivalent",
        "DoseEquivalentRate",
        "DynamicViscosity",
        "ElectricCharge",
        "ElectricCurrent",
        "ElectricCurrentDensity",
        "ElectricFieldStrength",
        "Energy",
        "Exposure",
        "Force",
        "Frequency",
        "Illuminance",
        "Inductance",
        "Irradiance",
        "KinematicViscosity",
        "Length",
        "LinearMomentum",
        "Luminance",
        "LuminousFlux",
        "LuminousIntensity",
        "MagneticFlux",
        "MagneticFluxDensity",
        "MagneticVectorPotential",
        "Mass",
        "MassConcentration",
        "MassFlowRate",
        "MassPerAreaTime",
        "MemoryCapacity",
        "MolalityOfSolute",
        "MolarEnergy",
        "MolarMass",
        "MolarVolume",
        "Power",
        "Pressure",
        "RadiantFlux",
        "RadiantIntensity",
        "Radioactivity",
        "RelativeHumidity",
        "Resistance",
        "Resistivity",
        "SolidAngle",
        "SpecificVolume",
        "Speed",
        "SurfaceDensity",
        "SurfaceTension",
        "Temperature",
        "Time",
        "Torque",
        "Voltage",
        "Volume",
        "VolumeFlowRate",
        "VolumeFraction",
        "VolumetricFlux",
        "Wavenumber",
    ]
)



#: an absolute URI: a scheme, a colon and no white space (RFC 3986 section 3, loosely);
#: ``\Z``, not ``$``: "$" also matches before a final newline, which no valid value has
ABSOLUTE_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+\Z")

#: vocabulary kind (the EPCIS field it types) -> (CBV 2.0 terms, web URI prefix, CBV 1.x URN prefix)
VOCABULARIES: dict[str, tuple[frozenset[str], str, str]] = {
    "bizStep": (BIZ_STEPS, CBV_WEB_PREFIX + "BizStep-", "urn:epcglobal:cbv:bizstep:"),
    "disposition": (DISPOSITIONS, CBV_WEB_PREFIX + "Disp-", "urn:epcglobal:cbv:disp:"),
    "bizTransactionType": (
        BIZ_TRANSACTION_TYPES,
        CBV_WEB_PREFIX + "BTT-",
        "urn:epcglobal:cbv:btt:",
    ),
    "sourceDestType": (SOURCE_DEST_TYPES, CBV_WEB_PREFIX + "SDT-", "urn:epcglobal:cbv:sdt:"),
    "errorReason": (ERROR_REASONS, CBV_WEB_PREFIX + "ER-", "urn:epcglobal:cbv:er:"),
}


def gs1_term(value: str) -> str:
    """``value`` without a ``gs1:`` prefix or the GS1 web vocabulary namespace: under the
    EPCIS context ``gs1:ALARM_CONDITION``, ``https://gs1.org/voc/ALARM_CONDITION`` and the bare
    term are one IRI."""
    if value.startswith("gs1:"):
        return value[4:]
    if value.startswith(GS1_VOC_PREFIX):
        return value[len(GS1_VOC_PREFIX):]
    return value


def canonical_vocab(kind: str, value: str) -> str | None:
    """The CBV 2.0 web URI of a vocabulary value given bare, as web URI, as CURIE or as CBV 1.x URN.

    A URI outside the CBV namespaces is a user vocabulary value and is returned as is;
    ``None`` when ``value`` is not acceptable for ``kind`` (a key of :data:`VOCABULARIES`).
    """
    terms, web, legacy = VOCABULARIES[kind]
    if value in terms:
        return web + value
    for prefix in (web, legacy, "cbv:" + web[len(CBV_WEB_PREFIX) :]):
        if value.startswith(prefix):
            return web + value[len(prefix) :] if value[len(prefix) :] in terms else None
    if value.startswith((CBV_WEB_PREFIX, "urn:epcglobal:cbv:", "cbv:")):
        return None
    return value if ABSOLUTE_URI.match(value) else None
