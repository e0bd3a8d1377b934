/**
 * Decoders of the section templates gik reads: section 1, ECMWF's local section 2 (MARS keys),
 * grid template 3.0, product templates 4.0/4.1/4.8/4.11, and the head of section 5. Each takes
 * the message bytes and the section's start and length (already checked to lie in `bytes`);
 * offsets in comments are GRIB2 octets, 1-based from the section start.
 *
 * @module
 */
import { GribFormatError, GribUnsupportedError } from "../api/errors.js";
import { ascii, s8OrNull, s32, u8, u16, u32, u32OrNull } from "./bytes.js";
import type {
  EnsembleMember,
  GridSection,
  Identification,
  MarsLabeling,
  ProductSection,
  RepresentationSection,
  StatisticalProcess,
} from "./raw.js";
import type { ByteSource } from "./scan.js";
import type { RegularLatLonGrid } from "./types.js";

/** One section located in the message: `at` is its first byte in `bytes`, `pos` its offset in the message. */
export interface SectionAt {
  bytes: Uint8Array;
  at: number;
  length: number;
  where: ByteSource;
  /** Offset of the message start in the source. */
  messageOffset: number;
}

function need(s: SectionAt, number: number, what: string, length: number): void {
  if (s.length < length) {
    throw new GribFormatError(
      s.where.path,
      s.messageOffset + s.at,
      `section ${number} is ${s.length} bytes, ${what} needs ${length}`,
    );
  }
}

function unsupported(s: SectionAt, feature: string): GribUnsupportedError {
  return new GribUnsupportedError(s.where.path, s.messageOffset + s.at, feature);
}

export function readIdentification(s: SectionAt): Identification {
  need(s, 1, "the identification section", 21);
  const { bytes: b, at } = s;
  return {
    centre: u16(b, at + 5),
    subCentre: u16(b, at + 7),
    tablesVersion: u8(b, at + 9),
    localTablesVersion: u8(b, at + 10),
    significanceOfReferenceTime: u8(b, at + 11),
    year: u16(b, at + 12),
    month: u8(b, at + 14),
    day: u8(b, at + 15),
    hour: u8(b, at + 16),
    minute: u8(b, at + 17),
    second: u8(b, at + 18),
    productionStatusOfProcessedData: u8(b, at + 19),
    typeOfProcessedData: u8(b, at + 20),
  };
}

/** ECMWF local section 2: its number (octets 6–7), then class, type, stream (2 octets each), expver (4 characters). */
export function readMarsLabeling(s: SectionAt): MarsLabeling {
  need(s, 2, "ECMWF's local definition (MARS class, type, stream, expver)", 17);
  const { bytes: b, at } = s;
  return {
    grib2LocalSectionNumber: u16(b, at + 5),
    marsClass: u16(b, at + 7),
    marsType: u16(b, at + 9),
    marsStream: u16(b, at + 11),
    experimentVersionNumber: ascii(b, at + 13, 4),
  };
}

export function readGridSection(s: SectionAt): GridSection {
  need(s, 3, "the grid definition header", 14);
  const { bytes: b, at } = s;
  const gridDefinitionTemplateNumber = u16(b, at + 12);
  const numberOfDataPoints = u32(b, at + 6);
  const grid = gridDefinitionTemplateNumber === 0 ? readRegularLatLon(s, numberOfDataPoints) : undefined;
  return { numberOfDataPoints, gridDefinitionTemplateNumber, grid };
}

/** Template 3.0: angles in micro-degrees unless a basic angle and subdivisions are given. */
function readRegularLatLon(s: SectionAt, numberOfPoints: number): RegularLatLonGrid {
  need(s, 3, "grid template 3.0", 72);
  const { bytes: b, at } = s;
  const Ni = u32OrNull(b, at + 30);
  const Nj = u32OrNull(b, at + 34);
  if (Ni === null || Nj === null || u8(b, at + 10) !== 0)
    throw unsupported(s, "reduced (quasi-regular) grid template 3.0");
  const basicAngle = u32OrNull(b, at + 38);
  const subdivisions = u32OrNull(b, at + 42);
  const scale =
    basicAngle && subdivisions
      ? (value: number) => (value * basicAngle) / subdivisions
      : (value: number) => value / 1e6;
  const iIncrement = u32OrNull(b, at + 63);
  const jIncrement = u32OrNull(b, at + 67);
  if (iIncrement === null || jIncrement === null)
    throw unsupported(s, "grid template 3.0 without direction increments");
  const scanningMode = u8(b, at + 71);
  return {
    gridDefinitionTemplateNumber: 0,
    gridType: "regular_ll",
    Ni,
    Nj,
    latitudeOfFirstGridPointInDegrees: scale(s32(b, at + 46)),
    longitudeOfFirstGridPointInDegrees: scale(s32(b, at + 50)),
    latitudeOfLastGridPointInDegrees: scale(s32(b, at + 55)),
    longitudeOfLastGridPointInDegrees: scale(s32(b, at + 59)),
    iDirectionIncrementInDegrees: scale(iIncrement),
    jDirectionIncrementInDegrees: scale(jIncrement),
    iScansNegatively: scanningMode & 0x80 ? 1 : 0,
    jScansPositively: scanningMode & 0x40 ? 1 : 0,
    jPointsAreConsecutive: scanningMode & 0x20 ? 1 : 0,
    // Resolution and component flags (octet 55), bit 5: u/v components relative to the grid.
    uvRelativeToGrid: u8(b, at + 54) & 0x08 ? 1 : 0,
    numberOfPoints,
    shapeOfTheEarth: u8(b, at + 14),
  };
}

/** Where the statistical part starts in each supported template, and the template's length with one time range. */
const PRODUCT_LAYOUT: Record<number, { ensembleAt?: number; statisticsAt?: number; length: number }> = {
  0: { length: 34 },
  1: { ensembleAt: 34, length: 37 },
  8: { statisticsAt: 34, length: 58 },
  11: { ensembleAt: 34, statisticsAt: 37, length: 61 },
};

export function readProductSection(s: SectionAt): ProductSection {
  need(s, 4, "the product definition header", 9);
  const { bytes: b, at } = s;
  const productDefinitionTemplateNumber = u16(b, at + 7);
  const layout = PRODUCT_LAYOUT[productDefinitionTemplateNumber];
  if (!layout) throw unsupported(s, `product definition template 4.${productDefinitionTemplateNumber}`);
  need(s, 4, `product definition template 4.${productDefinitionTemplateNumber}`, layout.length);
  return {
    NV: u16(b, at + 5),
    productDefinitionTemplateNumber,
    parameterCategory: u8(b, at + 9),
    parameterNumber: u8(b, at + 10),
    typeOfGeneratingProcess: u8(b, at + 11),
    backgroundProcess: u8(b, at + 12),
    generatingProcessIdentifier: u8(b, at + 13),
    indicatorOfUnitOfTimeRange: u8(b, at + 17),
    forecastTime: s32(b, at + 18),
    typeOfFirstFixedSurface: u8(b, at + 22),
    scaleFactorOfFirstFixedSurface: s8OrNull(b, at + 23),
    scaledValueOfFirstFixedSurface: u32OrNull(b, at + 24),
    typeOfSecondFixedSurface: u8(b, at + 28),
    scaleFactorOfSecondFixedSurface: s8OrNull(b, at + 29),
    scaledValueOfSecondFixedSurface: u32OrNull(b, at + 30),
    ensemble: layout.ensembleAt === undefined ? undefined : readEnsemble(b, at + layout.ensembleAt),
    statistics: layout.statisticsAt === undefined ? undefined : readStatistics(s, at + layout.statisticsAt),
  };
}

function readEnsemble(b: Uint8Array, i: number): EnsembleMember {
  return {
    typeOfEnsembleForecast: u8(b, i),
    perturbationNumber: u8(b, i + 1),
    numberOfForecastsInEnsemble: u8(b, i + 2),
  };
}

/** After the end of the overall interval (7 octets): n (1), missing count (4), then 12 octets per time range. */
function readStatistics(s: SectionAt, i: number): StatisticalProcess {
  const b = s.bytes;
  const numberOfTimeRanges = u8(b, i + 7);
  need(s, 4, `${numberOfTimeRanges} time ranges`, i - s.at + 12 + 12 * numberOfTimeRanges);
  const range = i + 12;
  return {
    numberOfTimeRanges,
    typeOfStatisticalProcessing: u8(b, range),
    typeOfTimeIncrement: u8(b, range + 1),
    indicatorOfUnitForTimeRange: u8(b, range + 2),
    lengthOfTimeRange: u32(b, range + 3),
  };
}

/** Packings whose template starts with reference value, scale factors and bits per value (octet 20). */
const SIMPLE_HEAD_TEMPLATES = new Set([0, 2, 3, 40, 41, 42]);

export function readRepresentationSection(s: SectionAt): RepresentationSection {
  need(s, 5, "the data representation header", 11);
  const { bytes: b, at } = s;
  const dataRepresentationTemplateNumber = u16(b, at + 9);
  if (!SIMPLE_HEAD_TEMPLATES.has(dataRepresentationTemplateNumber)) {
    throw unsupported(s, `data representation template 5.${dataRepresentationTemplateNumber}`);
  }
  need(s, 5, `data representation template 5.${dataRepresentationTemplateNumber}`, 20);
  return { numberOfValues: u32(b, at + 5), dataRepresentationTemplateNumber, bitsPerValue: u8(b, at + 19) };
}
