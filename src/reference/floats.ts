/** Array types the CPU references accept (tests widen Float32 data to Float64). */
export type Floats = Float32Array | Float64Array | number[];
