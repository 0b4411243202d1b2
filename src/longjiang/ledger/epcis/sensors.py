"""The sensor data of an EPCIS 2.0 event (``sensorElementList``): metadata and reports.

The "how" of an event: what sensors measured. Field names follow the EPCIS 2.0 JSON binding;
measurement types, alarm types and components are those of the GS1 web vocabulary
(:mod:`longjiang.ledger.cbv`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from longjiang.ledger.cbv import (
    ABSOLUTE_URI,
    GS1_VOC_PREFIX,
    MEASUREMENT_TYPES,
    SENSOR_ALARM_TYPES,
    SENSOR_COMPONENTS,
    gs1_term,
)
from longjiang.ledger.epcis.fields import FieldChecker
from longjiang.ledger.epcis.values import HEX

__all__ = [
    "SENSOR_ELEMENT_FIELDS",
    "SENSOR_METADATA_FIELDS",
    "SENSOR_REPORT_FIELDS",
    "SensorChecker",
]

#: the fields of a sensor element's sensorMetadata
SENSOR_METADATA_FIELDS = frozenset(
    ["time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData",
     "dataProcessingMethod", "bizRules"]
)
#: the fields of a sensor report
SENSOR_REPORT_FIELDS = frozenset(
    ["type", "exception", "deviceID", "deviceMetadata", "rawData", "dataProcessingMethod",
     "bizRules", "time", "microorganism", "chemicalSubstance", "coordinateReferenceSystem",
     "value", "component", "stringValue", "booleanValue", "hexBinaryValue", "uriValue",
     "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue", "uom"]
)
#: the fields of a sensor element
SENSOR_ELEMENT_FIELDS = frozenset(["sensorMetadata", "sensorReport"])


class SensorChecker(FieldChecker):
    """The checks of an event's sensor elements."""

    def sensor_elements(self, event: Mapping[str, Any], at: str) -> tuple[Mapping[str, Any], ...]:
        """An event's ``sensorElementList``: each element's metadata and its reports."""
        items = self.array(event, "sensorElementList", at)
        result: list[Mapping[str, Any]] = []
        for i, element in enumerate(items or []):
            where = f"{at}/sensorElementList/{i}"
            if not isinstance(element, dict):
                self.out.add(where, "expected a sensor element object", element)
                continue
            metadata = self.obj(element, "sensorMetadata", where)
            if metadata is not None:
                mw = f"{where}/sensorMetadata"
                self.fields(metadata, SENSOR_METADATA_FIELDS, mw, "sensorMetadata")
                for k in ("time", "startTime", "endTime"):
                    self.timestamp(metadata, k, mw)
                for k in (
                    "deviceID",
                    "deviceMetadata",
                    "rawData",
                    "dataProcessingMethod",
                    "bizRules",
                ):
                    self.uri(metadata, k, mw)
            reports = self.array(element, "sensorReport", where, required=True)
            if reports is not None and not reports:
                self.out.add(f"{where}/sensorReport", "expected at least one sensor report")
            for j, report in enumerate(reports or []):
                rw = f"{where}/sensorReport/{j}"
                if not isinstance(report, dict):
                    self.out.add(rw, "expected a sensor report object", report)
                    continue
                self.sensor_report(report, rw)
            self.fields(element, SENSOR_ELEMENT_FIELDS, where, "a sensor element")
            result.append(element)
        return tuple(result)

    def sensor_report(self, report: Mapping[str, Any], at: str) -> None:
        """One sensor report: its type, values, exception, component and URIs."""
        self.fields(report, SENSOR_REPORT_FIELDS, at, "a sensor report")
        self.measurement_type(report, at)
        for k in ("value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue"):
            if k in report and (
                isinstance(report[k], bool) or not isinstance(report[k], (int, float))
            ):
                self.out.add(f"{at}/{k}", "expected a number", report[k])
        if "booleanValue" in report and not isinstance(report["booleanValue"], bool):
            self.out.add(f"{at}/booleanValue", "expected true or false", report["booleanValue"])
        hexv = self.string(report, "hexBinaryValue", at)
        if hexv is not None and not HEX.match(hexv):
            self.out.add(f"{at}/hexBinaryValue", "expected hexadecimal octets", hexv)
        self.timestamp(report, "time", at)
        exc = self.string(report, "exception", at)
        if exc is not None and gs1_term(exc) not in SENSOR_ALARM_TYPES:
            self.out.add(
                f"{at}/exception",
                "expected ALARM_CONDITION or ERROR_CONDITION "
                "(bare, gs1: or as GS1 web vocabulary IRI)",
                exc,
            )
        component = self.string(report, "component", at)
        if component is not None and gs1_term(component) not in SENSOR_COMPONENTS and not (
            ABSOLUTE_URI.match(component) and not component.startswith(("gs1:", GS1_VOC_PREFIX))
        ):
            self.out.add(
                f"{at}/component",
                f"expected a GS1 component ({', '.join(sorted(SENSOR_COMPONENTS))}) or a URI",
                component,
            )
        self.string(report, "stringValue", at)
        self.string(report, "uom", at)
        for k in (
            "deviceID",
            "deviceMetadata",
            "rawData",
            "dataProcessingMethod",
            "bizRules",
            "uriValue",
            "microorganism",
            "chemicalSubstance",
            "coordinateReferenceSystem",
        ):
            self.uri(report, k, at)

    def measurement_type(self, report: Mapping[str, Any], at: str) -> None:
        """A sensor report's ``type``: a GS1 measurement type (bare, ``gs1:`` or GS1 web
        vocabulary IRI) or another URI."""
        rtype = self.string(report, "type", at, required=True)
        if (
            rtype is not None
            and rtype not in MEASUREMENT_TYPES
            and not (rtype.startswith("gs1:") and rtype[4:] in MEASUREMENT_TYPES)
        ):
            if (
                rtype.startswith((GS1_VOC_PREFIX, "gs1:"))
                and rtype.split("/")[-1].split(":")[-1] not in MEASUREMENT_TYPES
            ):
                self.out.add(
                    f"{at}/type", "expected a GS1 measurement type (e.g. Temperature)", rtype
                )
            elif not rtype.startswith(GS1_VOC_PREFIX) and not ABSOLUTE_URI.match(rtype):
                self.out.add(
                    f"{at}/type",
                    "expected a GS1 measurement type (e.g. Temperature) or a URI",
                    rtype,
                )
