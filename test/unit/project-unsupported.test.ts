import { describe, expect, it } from 'vitest';
import { loadProject } from '../../core/project/load-project.js';
import { tempProject } from '../helpers/temp-project.js';

describe('what a dbt project holds that etl does not run', () => {
  it('is listed as warnings, never skipped silently', () => {
    const p = tempProject({
      'dbt_project.yml': 'name: shop\n',
      'models/a.sql': 'select 1 as x',
      'models/py_model.py': 'def model(dbt, session): pass\n',
      'packages.yml': 'packages:\n  - package: dbt-labs/dbt_utils\n',
      'snapshots/orders_snapshot.sql': '{% snapshot x %}select 1{% endsnapshot %}',
      'models/schema.yml': 'version: 2\nexposures:\n  - name: e\n    type: dashboard\n',
    });
    try {
      expect(loadProject(p.root).warnings).toEqual([
        'models/schema.yml: etl ignores: exposures (etl does not support them)',
        'Python models are not supported; not built: models/py_model.py',
        'dbt packages are not supported: packages.yml is not read (dbt_utils tests are built in)',
        'dbt snapshots are not supported: snapshots/ is not read',
      ]);
    } finally {
      p.cleanup();
    }
  });
});
