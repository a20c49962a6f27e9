import { assertTestDatabaseName, createDatabase, dropDatabase } from './database';

describe('the test harness', () => {
  it.each(['postgres', 'template1', 'charter', 'production_test', 'Test_x', 'test"; DROP'])(
    'refuses to touch the database %s',
    async (name) => {
      expect(() => assertTestDatabaseName(name)).toThrow(/must start with "test"/);
      await expect(dropDatabase(name)).rejects.toThrow(/must start with "test"/);
      await expect(createDatabase(name)).rejects.toThrow(/must start with "test"/);
    },
  );

  it.each(['test', 'test_template_1_ab', 'test_42'])('accepts %s', (name) => {
    expect(() => assertTestDatabaseName(name)).not.toThrow();
  });
});
