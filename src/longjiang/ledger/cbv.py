"""The vocabularies of EPCIS 2.0 and CBV 2.0: context URLs, namespaces and CBV term lists.

Both the validator (:mod:`longjiang.ledger.epcis`) and the event hash
(:mod:`longjiang.ledger.eventhash`) need the CBV 2.0 vocabularies; they live here so that
neither of those modules imports the other. The GS1 identifier grammar (EPC URIs, Digital Link)
is :mod:`longjiang.ledger.gs1`. The vocabulary term lists are those of the EPCIS 2.0 JSON-LD
context (https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld; CBV 2.0 sections
7.1-7.5).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from longjiang.errors import InputError

__all__ = [
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
    "event_list_of",
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


def event_list_of(document: Mapping[str, Any]) -> list[Any]:
    """The events of an ``EPCISDocument`` or ``EPCISQueryDocument`` (no validation)."""
    body = document.get("epcisBody")
    if not isinstance(body, Mapping):
        raise InputError("an EPCIS document needs an epcisBody object", field="/epcisBody")
    if "eventList" in body:
        events = body["eventList"]
    elif "event" in body:
        events = [body["event"]]
    elif isinstance(body.get("queryResults"), Mapping):
        results = body["queryResults"].get("resultsBody")
        events = results.get("eventList") if isinstance(results, Mapping) else None
    else:
        events = None
    if not isinstance(events, list):
        raise InputError("an EPCIS document needs an event list", field="/epcisBody/eventList")
    return events
