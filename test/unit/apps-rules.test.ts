import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isFullReference, platformRepository, resolveImage, specProblems } from '../../src/apps/rules.js';
import type { AppSpec } from '../../src/apps/schemas.js';

const base: AppSpec = {
  appName: 'web',
  description: '',
  image: 'proj/web',
  tag: 'v1',
  replicas: 1,
  ports: [],
  env: {},
  command: [],
  args: [],
  clusterLabel: 'all',
  kind: 'Deployment',
  volumes: [],
};
const ctx = { enableIngress: false, registryDomain: 'reg.example.com' };

describe('image references', () => {
  it("tells full references from platform project/repo names (Docker's rule)", () => {
    assert.equal(isFullReference('proj/web'), false);
    assert.equal(isFullReference('nginx'), false);
    assert.equal(isFullReference('docker.io/library/nginx'), true);
    assert.equal(isFullReference('reg:5000/a'), true);
    assert.equal(isFullReference('localhost/a/b'), true);
    assert.equal(isFullReference('localhostx/a'), false);
  });
  it('finds the platform project/repo of short references and of full ones on the platform domain', () => {
    assert.equal(platformRepository('proj/web', 'reg.example.com'), 'proj/web');
    assert.equal(platformRepository('proj/web', undefined), 'proj/web');
    assert.equal(platformRepository('reg.example.com/proj/web', 'reg.example.com'), 'proj/web');
    assert.equal(platformRepository('Reg.Example.com/proj/web', 'reg.example.com/'), 'proj/web');
    assert.equal(platformRepository('reg.example.com:5000/proj/web', 'reg.example.com'), null);
    assert.equal(platformRepository('quay.io/proj/web', 'reg.example.com'), null);
    assert.equal(platformRepository('quay.io/proj/web', undefined), null);
  });
  it('resolves platform images against OTE_REGISTRY_DOMAIN and keeps full ones', () => {
    assert.equal(resolveImage('proj/web', 'v1', 'reg.example.com'), 'reg.example.com/proj/web:v1');
    assert.equal(resolveImage('proj/web', 'v1', 'reg.example.com/'), 'reg.example.com/proj/web:v1');
    assert.equal(resolveImage('quay.io/org/app', 'latest', 'reg.example.com'), 'quay.io/org/app:latest');
    assert.equal(resolveImage('localhost/app/x', '1.0', 'reg.example.com'), 'localhost/app/x:1.0');
  });
});

describe('spec rules beyond the schema', () => {
  it('accepts a plain spec', () => {
    assert.deepEqual(specProblems(base, ctx), {});
  });
  it('needs a configured registry for platform images, and two path components', () => {
    assert.match(specProblems(base, { enableIngress: false }).image, /OTE_REGISTRY_DOMAIN/);
    assert.deepEqual(specProblems({ ...base, image: 'ghcr.io/a/b' }, { enableIngress: false }), {});
    assert.match(specProblems({ ...base, image: 'nginx' }, ctx).image, /project\/repo/);
  });
  it('refuses duplicate ports per protocol', () => {
    const p = specProblems(
      {
        ...base,
        ports: [
          { containerPort: 80, protocol: 'TCP' },
          { containerPort: 80, protocol: 'UDP' },
          { containerPort: 80, protocol: 'TCP' },
        ],
      },
      ctx,
    );
    assert.deepEqual(Object.keys(p), ['ports[2]']);
  });
  it('allows cpu in millicores only', () => {
    assert.deepEqual(specProblems({ ...base, cpu: 0.001 }, ctx), {});
    assert.deepEqual(specProblems({ ...base, cpu: 2.5 }, ctx), {});
    assert.match(specProblems({ ...base, cpu: 0.0015 }, ctx).cpu, /0\.001/);
  });
  it('refuses duplicate volume names and mount paths and ".." segments', () => {
    const v = (name: string, hostPath: string, mountPath: string) => ({ name, hostPath, mountPath, readOnly: false });
    const p = specProblems({ ...base, volumes: [v('a', '/x', '/m'), v('a', '/y/../z', '/m')] }, ctx);
    assert.deepEqual(Object.keys(p).sort(), ['volumes[1].hostPath', 'volumes[1].mountPath', 'volumes[1].name']);
    assert.deepEqual(specProblems({ ...base, volumes: [v('a', '/x/..y', '/m')] }, ctx), {}, '"..y" is a name, not a step up');
  });
  it('refuses a rolling update that can never progress', () => {
    assert.ok(specProblems({ ...base, maxSurge: 0, maxUnavailable: 0 }, ctx).maxUnavailable);
    assert.ok(specProblems({ ...base, maxSurge: '0%', maxUnavailable: '0%' }, ctx).maxUnavailable);
    assert.deepEqual(specProblems({ ...base, maxSurge: 0 }, ctx), {}, "Kubernetes' 25% default applies to the other");
    assert.deepEqual(specProblems({ ...base, maxSurge: 0, maxUnavailable: 1 }, ctx), {});
    assert.deepEqual(specProblems({ ...base, maxUnavailable: 0 }, ctx), {}, 'a Deployment surges 25% by default');
  });
  it('lets a DaemonSet either drop or surge pods in an update, as Kubernetes requires', () => {
    const ds: AppSpec = { ...base, kind: 'DaemonSet' };
    assert.deepEqual(specProblems(ds, ctx), {}, 'the defaults: maxUnavailable 1, maxSurge 0');
    assert.deepEqual(specProblems({ ...ds, maxUnavailable: '25%' }, ctx), {});
    assert.deepEqual(specProblems({ ...ds, maxSurge: 0, maxUnavailable: 2 }, ctx), {});
    assert.deepEqual(specProblems({ ...ds, maxSurge: '10%', maxUnavailable: 0 }, ctx), {});
    assert.match(specProblems({ ...ds, maxUnavailable: 0 }, ctx).maxUnavailable, /DaemonSet/, 'maxSurge defaults to 0');
    assert.ok(specProblems({ ...ds, maxSurge: '0%', maxUnavailable: '0%' }, ctx).maxUnavailable);
    assert.match(specProblems({ ...ds, maxSurge: 1 }, ctx).maxSurge, /DaemonSet/, 'maxUnavailable defaults to 1');
    assert.ok(specProblems({ ...ds, maxSurge: 1, maxUnavailable: '25%' }, ctx).maxSurge);
  });
  it('takes ingress only while enabled, on a TCP port of the application', () => {
    const ingress = { host: 'a.example.com', path: '/', port: 80 };
    assert.match(specProblems({ ...base, ingress }, ctx).ingress, /enableIngress/);
    const on = { ...ctx, enableIngress: true };
    assert.ok(specProblems({ ...base, ingress }, on)['ingress.port']);
    assert.ok(specProblems({ ...base, ingress, ports: [{ containerPort: 80, protocol: 'UDP' }] }, on)['ingress.port']);
    assert.deepEqual(specProblems({ ...base, ingress, ports: [{ containerPort: 80, protocol: 'TCP' }] }, on), {});
  });
});
