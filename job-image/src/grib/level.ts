/**
 * ecCodes' `level` key: the value of a fixed surface (ecCodes' `g2level` accessor), scaled by its
 * scale factor, isobaric surfaces in hPa, rounded to an integer. A layer's level is its first
 * (top) surface, except soil, sea-ice, ocean-model and snow layers (151/151, 152/152, 168/168,
 * 114/114), whose level is the second surface: ECMWF's soil layer 1 (0–1) is `level` 1.
 *
 * @module
 */
import type { ProductSection } from "./raw.js";

const ISOBARIC = 100;
const POTENTIAL_VORTICITY = 109;
/** Layer types for which ecCodes aliases `level` to the bottom surface. */
const BOTTOM_LEVEL_LAYERS = new Set([151, 152, 168, 114]);

export interface Level {
  level: number;
  /** "Pa" when an isobaric surface lies below 1 hPa (ecCodes then reports it in Pa), else "hPa". */
  pressureUnits: "hPa" | "Pa";
}

/** The level of a product's fixed surfaces; `tigge` is productionStatusOfProcessedData 4 or 5. */
export function levelOf(product: ProductSection, tigge: boolean): Level {
  const second =
    product.typeOfSecondFixedSurface === product.typeOfFirstFixedSurface &&
    BOTTOM_LEVEL_LAYERS.has(product.typeOfFirstFixedSurface);
  return second
    ? surfaceLevel(
        product.typeOfSecondFixedSurface,
        product.scaleFactorOfSecondFixedSurface,
        product.scaledValueOfSecondFixedSurface,
        tigge,
      )
    : surfaceLevel(
        product.typeOfFirstFixedSurface,
        product.scaleFactorOfFirstFixedSurface,
        product.scaledValueOfFirstFixedSurface,
        tigge,
      );
}

function surfaceLevel(
  type: number,
  scaleFactor: number | null,
  scaledValue: number | null,
  tigge: boolean,
): Level {
  if (scaledValue === null) return { level: 0, pressureUnits: "hPa" };
  let value = scaledValue;
  let scale = scaleFactor;
  if (scale !== null) {
    // Potential vorticity is stored in 1e-9 (1e-6 for TIGGE) units of K m2 kg-1 s-1.
    if (type === POTENTIAL_VORTICITY) scale -= tigge ? 6 : 9;
    // Step by step, as ecCodes does, so that rounding matches it.
    for (; scale < 0 && value !== 0; scale++) value *= 10;
    for (; scale > 0 && value !== 0; scale--) value /= 10;
  }
  let pressureUnits: Level["pressureUnits"] = "hPa";
  if (type === ISOBARIC) {
    const hPa = Math.trunc(value / 100);
    if (scale === 0 && hPa === 0) pressureUnits = "Pa";
    else value = hPa;
  }
  return { level: Math.trunc(value + 0.5), pressureUnits };
}
