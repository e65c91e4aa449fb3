import { planSections, sectionLimits } from '../../domain/sections';

it('splits pages into consecutive sections of the configured size, the last one shorter', () => {
  expect(planSections(45)).toEqual([
    { index: 0, firstPage: 1, lastPage: 20 },
    { index: 1, firstPage: 21, lastPage: 40 },
    { index: 2, firstPage: 41, lastPage: 45 },
  ]);
  expect(planSections(20)).toEqual([{ index: 0, firstPage: 1, lastPage: 20 }]);
});

it('never makes more than the section cap: a longer document gets longer sections', () => {
  const sections = planSections(100_000);
  expect(sections.length).toBeLessThanOrEqual(sectionLimits.maxSections);
  expect(sections[0]).toEqual({ index: 0, firstPage: 1, lastPage: 100 });
  expect(sections[sections.length - 1]?.lastPage).toBe(100_000);
});

it('a document without pages has no sections', () => {
  expect(planSections(0)).toEqual([]);
  expect(planSections(Number.NaN)).toEqual([]);
});
