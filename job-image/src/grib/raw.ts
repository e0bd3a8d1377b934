/**
 * The raw values of sections 0–5 of one GRIB2 message, as the templates encode them (ecCodes'
 * key names), before any table is consulted. `null` is a missing value (all bits 1).
 *
 * @module
 */
import type { RegularLatLonGrid, SectionSpan } from "./types.js";

/** Section 1 (identification). */
export interface Identification {
  centre: number;
  subCentre: number;
  tablesVersion: number;
  localTablesVersion: number;
  significanceOfReferenceTime: number;
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  productionStatusOfProcessedData: number;
  typeOfProcessedData: number;
}

/** The MARS keys every ECMWF local section 2 starts with (ecCodes' `mars_labeling.def`). */
export interface MarsLabeling {
  grib2LocalSectionNumber: number;
  /** Codes of ecCodes' `mars/class.table`, `mars/type.table`, `mars/stream.table`. */
  marsClass: number;
  marsType: number;
  marsStream: number;
  experimentVersionNumber: string;
}

/** Section 3 (grid definition); `grid` only for template 3.0, the one gik interprets. */
export interface GridSection {
  numberOfDataPoints: number;
  gridDefinitionTemplateNumber: number;
  grid: RegularLatLonGrid | undefined;
}

/** Statistical processing of templates 4.8 and 4.11 (the first time range). */
export interface StatisticalProcess {
  numberOfTimeRanges: number;
  typeOfStatisticalProcessing: number;
  typeOfTimeIncrement: number;
  indicatorOfUnitForTimeRange: number;
  lengthOfTimeRange: number;
}

/** Ensemble fields of templates 4.1 and 4.11. */
export interface EnsembleMember {
  typeOfEnsembleForecast: number;
  perturbationNumber: number;
  numberOfForecastsInEnsemble: number;
}

/** Section 4 (product definition), templates 4.0, 4.1, 4.8 and 4.11. */
export interface ProductSection {
  NV: number;
  productDefinitionTemplateNumber: number;
  parameterCategory: number;
  parameterNumber: number;
  typeOfGeneratingProcess: number;
  backgroundProcess: number;
  generatingProcessIdentifier: number;
  indicatorOfUnitOfTimeRange: number;
  forecastTime: number;
  typeOfFirstFixedSurface: number;
  scaleFactorOfFirstFixedSurface: number | null;
  scaledValueOfFirstFixedSurface: number | null;
  typeOfSecondFixedSurface: number;
  scaleFactorOfSecondFixedSurface: number | null;
  scaledValueOfSecondFixedSurface: number | null;
  ensemble: EnsembleMember | undefined;
  statistics: StatisticalProcess | undefined;
}

/** Section 5 (data representation): template number, point count, packing width. */
export interface RepresentationSection {
  numberOfValues: number;
  dataRepresentationTemplateNumber: number;
  bitsPerValue: number;
}

export interface RawSections {
  totalLength: number;
  /** Sections 0–5 with their offsets relative to the message start. */
  sections: SectionSpan[];
  discipline: number;
  identification: Identification;
  /** ECMWF's local section 2 (when the centre for local use is 98 and section 2 is not empty). */
  mars: MarsLabeling | undefined;
  grid: GridSection;
  product: ProductSection;
  representation: RepresentationSection;
}
