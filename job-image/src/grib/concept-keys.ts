/**
 * The message's keys as ecCodes' concept conditions read them.
 *
 * @module
 */
import type { RawSections } from "./raw.js";

/**
 * Keys that conditions of ecCodes' tables test but that only other product templates (or other
 * local sections) define: probabilities (4.5/4.9), wave period ranges (4.103…), post-processing
 * (4.7x), reference periods, DestinE's `generation`. For the templates gik reads they are
 * undefined, so conditions on them never hold, as in ecCodes.
 */
export const KEYS_OF_OTHER_TEMPLATES: ReadonlySet<string> = new Set([
  "generation",
  "inputOriginatingCentre",
  "inputProcessIdentifier",
  "typeOfPostProcessing",
  "numberOfAdditionalParametersForReferencePeriod",
  "typeOfRelationToReferenceDataset",
  "probabilityType",
  "scaleFactorOfLowerLimit",
  "scaledValueOfLowerLimit",
  "typeOfWavePeriodInterval",
  "scaleFactorOfLowerWavePeriodLimit",
  "scaledValueOfLowerWavePeriodLimit",
  "scaleFactorOfUpperWavePeriodLimit",
  "scaledValueOfUpperWavePeriodLimit",
]);

/**
 * The keys ecCodes' concept conditions read (every key of the tables' conditions), in one object
 * of fixed shape: `undefined` where the message's templates do not define the key. Keys only
 * other product templates define (probabilities, wave periods, post-processing, reference
 * periods, DestinE's `generation`) stay undefined, so conditions on them never hold.
 */
export function conceptKeys(
  raw: RawSections,
  pressureUnits: string,
): Record<string, number | string | null | undefined> {
  const { identification: id, product: p } = raw;
  const stats = p.statistics;
  return {
    discipline: raw.discipline,
    parameterCategory: p.parameterCategory,
    parameterNumber: p.parameterNumber,
    typeOfFirstFixedSurface: p.typeOfFirstFixedSurface,
    scaleFactorOfFirstFixedSurface: p.scaleFactorOfFirstFixedSurface,
    scaledValueOfFirstFixedSurface: p.scaledValueOfFirstFixedSurface,
    typeOfSecondFixedSurface: p.typeOfSecondFixedSurface,
    scaleFactorOfSecondFixedSurface: p.scaleFactorOfSecondFixedSurface,
    scaledValueOfSecondFixedSurface: p.scaledValueOfSecondFixedSurface,
    typeOfStatisticalProcessing: stats?.typeOfStatisticalProcessing,
    typeOfTimeIncrement: stats?.typeOfTimeIncrement,
    indicatorOfUnitForTimeRange: stats?.indicatorOfUnitForTimeRange,
    lengthOfTimeRange: stats?.lengthOfTimeRange,
    typeOfGeneratingProcess: p.typeOfGeneratingProcess,
    backgroundProcess: p.backgroundProcess,
    generatingProcessIdentifier: p.generatingProcessIdentifier,
    NV: p.NV,
    genVertHeightCoords: p.typeOfFirstFixedSurface === 150 ? 1 : 0,
    pressureUnits,
    tablesVersion: id.tablesVersion,
    localTablesVersion: id.localTablesVersion,
    productionStatusOfProcessedData: id.productionStatusOfProcessedData,
    subCentre: id.subCentre,
    marsClass: raw.mars?.marsClass,
    MTG2Switch: undefined,
    // Constants of ecCodes' definitions that conditions compare with.
    dummy: 1,
    dummyc: 0,
    true: 1,
  };
}
