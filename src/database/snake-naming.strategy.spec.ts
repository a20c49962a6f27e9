import { SnakeNamingStrategy } from 'src/database/snake-naming.strategy';

describe('SnakeNamingStrategy', () => {
  const strategy = new SnakeNamingStrategy();

  it.each([
    ['createdAt', 'created_at'],
    ['notApplicableJustificationMinLength', 'not_applicable_justification_min_length'],
    ['valueMinorNc', 'value_minor_nc'],
    ['id', 'id'],
    ['pdfSha256', 'pdf_sha256'],
  ])('names the column of %s %s', (property, column) => {
    expect(strategy.columnName(property, undefined, [])).toBe(column);
  });

  it('keeps a name given explicitly', () => {
    expect(strategy.columnName('x', 'explicit_name', [])).toBe('explicit_name');
  });

  it('names join columns after the relation', () => {
    expect(strategy.joinColumnName('charterVersion', 'id')).toBe('charter_version_id');
  });
});
