import { toVectorLiteral } from '../../stores/relational/sql';

describe("pgvector's text form", () => {
  it('gives back every 32-bit float exactly, in at most 9 significant digits', () => {
    const vector = Array.from(Float32Array.from({ length: 384 }, (_, i) => Math.sin(i * 7.3) / (i + 0.37)));
    const literal = toVectorLiteral(vector);
    const parsed = literal.slice(1, -1).split(',').map(Number);
    expect(parsed.map((value) => Math.fround(value))).toEqual(vector);
    for (const text of literal.slice(1, -1).split(',')) {
      expect(text.replace(/^-?0?\.?0*|e.*$|\./g, '').length).toBeLessThanOrEqual(9);
    }
  });

  it('writes what is not a finite number as 0', () => {
    expect(toVectorLiteral([1, Number.NaN, Number.POSITIVE_INFINITY, -0.5])).toBe('[1,0,0,-0.5]');
  });
});
