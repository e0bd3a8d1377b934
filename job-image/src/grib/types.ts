/**
 * What the GRIB2 header reader returns for one message: the raw values of sections 0–5 it read,
 * and the keys ecCodes derives from them for a reader (named exactly as ecCodes names them, so
 * tests compare them one to one and the store writers copy them into `GRIB_*` attributes as
 * kerchunk's `scan_grib` does).
 *
 * @module
 */

/** One fixed surface of a product definition (GRIB2 code table 4.5 type, scaled value). */
export interface FixedSurface {
  type: number;
  scaleFactor: number | null;
  scaledValue: number | null;
}

/** A regular latitude/longitude grid (template 3.0), in degrees as ecCodes reports them. */
export interface RegularLatLonGrid {
  gridDefinitionTemplateNumber: 0;
  gridType: "regular_ll";
  Ni: number;
  Nj: number;
  latitudeOfFirstGridPointInDegrees: number;
  longitudeOfFirstGridPointInDegrees: number;
  latitudeOfLastGridPointInDegrees: number;
  longitudeOfLastGridPointInDegrees: number;
  iDirectionIncrementInDegrees: number;
  jDirectionIncrementInDegrees: number;
  iScansNegatively: 0 | 1;
  jScansPositively: 0 | 1;
  jPointsAreConsecutive: 0 | 1;
  uvRelativeToGrid: 0 | 1;
  numberOfPoints: number;
  shapeOfTheEarth: number;
}

/** Where each section of the message lies, relative to the message start. */
export interface SectionSpan {
  number: number;
  offset: number;
  length: number;
}

/** Keys ecCodes derives for a reader; the names are ecCodes' own. */
export interface GribKeys {
  edition: 2;
  centre: string;
  centreDescription: string;
  subCentre: number;
  discipline: number;
  parameterCategory: number;
  parameterNumber: number;
  paramId: number;
  shortName: string;
  cfVarName: string;
  cfName: string;
  name: string;
  units: string;
  typeOfLevel: string;
  level: number;
  stepType: string;
  stepRange: string;
  startStep: number;
  endStep: number;
  /** Unit of startStep/endStep/stepRange (code table 4.4; 1 = hour). */
  stepUnits: number;
  /** Ensemble member (perturbationNumber); 0 for a control or deterministic forecast. */
  number: number;
  /** MARS type from the local section (cf, pf, fc, an …), else derived from the product. */
  dataType: string;
  totalNumber: number;
  dataDate: number;
  dataTime: number;
  productDefinitionTemplateNumber: number;
  dataRepresentationTemplateNumber: number;
  bitsPerValue: number;
  numberOfValues: number;
  /** Number of vertical coordinate values in section 4 (hybrid level coefficients). */
  NV: number;
  /** Present when the message carries ECMWF's local section 2 (MARS keys). */
  marsClass?: string;
  marsType?: string;
  marsStream?: string;
  experimentVersionNumber?: string;
}

export interface GribMessage {
  /** Total length from section 0 (the full 8-byte field). */
  totalLength: number;
  sections: SectionSpan[];
  grid: RegularLatLonGrid;
  keys: GribKeys;
}
