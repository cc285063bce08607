import { AppShell, Badge, Burger, Button, Group, NavLink, ScrollArea, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { lazy, Suspense, type ReactNode } from 'react';
import { Link, Navigate, Route, Routes, useLocation } from 'react-router';
import { MeProvider, ROLE_NAMES, Role, signOut, useMe, useSessionToken } from './me';
import { ClustersPage } from './pages/Clusters';
import { LoginPage, RegisterPage } from './pages/SignIn';
import { ErrorState, Loading } from './ui';

// The cluster list is the landing page of operators: in the first bundle. Everything else loads on demand.
const Dashboard = lazy(() => import('./pages/Dashboard'));
const ClusterDetail = lazy(() => import('./pages/ClusterDetail'));
const Nodes = lazy(() => import('./pages/Nodes'));
const Account = lazy(() => import('./pages/Account'));
const Reviews = lazy(() => import('./pages/Reviews'));
const AppReview = lazy(() => import('./pages/AppReview'));
const Users = lazy(() => import('./pages/Users'));
const Businesses = lazy(() => import('./pages/Businesses'));
const Settings = lazy(() => import('./pages/Settings'));
const Audit = lazy(() => import('./pages/Audit'));
const Repository = lazy(() => import('./pages/Repository'));
const External = lazy(() => import('./pages/External'));
const Apps = lazy(() => import('./pages/Apps'));
const AppForm = lazy(() => import('./pages/AppForm'));
const AppDetail = lazy(() => import('./pages/AppDetail'));
const Alerts = lazy(() => import('./pages/Alerts'));

interface Nav {
  to: string;
  label: string;
  min?: number;
  only?: number[];
}

/** Each role sees the pages the API lets it use, and no others. */
const NAV: Nav[] = [
  { to: '/', label: 'Overview', min: Role.member },
  { to: '/clusters', label: 'Clusters', min: Role.member },
  { to: '/nodes', label: 'Nodes', min: Role.member },
  { to: '/apps', label: 'Applications', min: Role.member },
  { to: '/repository', label: 'Repository', min: Role.member },
  { to: '/repository/external', label: 'External registries', min: Role.member },
  { to: '/alerts', label: 'Alerts', min: Role.member },
  { to: '/reviews', label: 'Reviews', only: [Role.systemAdmin] },
  { to: '/users', label: 'Users', only: [Role.businessAdmin, Role.systemAdmin] },
  { to: '/businesses', label: 'Businesses', min: Role.approved },
  { to: '/settings', label: 'Settings', only: [Role.systemAdmin] },
  { to: '/audit', label: 'Audit log', only: [Role.systemAdmin] },
  { to: '/account', label: 'My account', min: Role.pending },
];

export function allowed(nav: { min?: number; only?: number[] }, role: number): boolean {
  return nav.only ? nav.only.includes(role) : role >= (nav.min ?? 0);
}

function Shell({ children }: { children: ReactNode }) {
  const me = useMe();
  const [opened, { toggle, close }] = useDisclosure();
  const loc = useLocation();
  const active = (to: string) =>
    to === '/'
      ? loc.pathname === '/'
      : loc.pathname === to ||
        (loc.pathname.startsWith(`${to}/`) &&
          !NAV.some((n) => n.to !== to && n.to.startsWith(to) && loc.pathname.startsWith(n.to)));
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 210, breakpoint: 'md', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="md" size="sm" aria-label="Toggle navigation" />
            <Text fw={700} component={Link} to="/" aria-label="OTE console home">
              OTE
            </Text>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <Text size="sm" data-testid="whoami">
              {me.displayName}
            </Text>
            <Badge variant="light">{ROLE_NAMES[me.role] ?? `role ${me.role}`}</Badge>
            <Button size="xs" variant="default" onClick={() => void signOut()}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        <ScrollArea>
          {NAV.filter((n) => allowed(n, me.role)).map((n) => (
            <NavLink key={n.to} component={Link} to={n.to} label={n.label} active={active(n.to)} onClick={close} />
          ))}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>
        <Suspense fallback={<Loading />}>{children}</Suspense>
      </AppShell.Main>
    </AppShell>
  );
}

/** A page only for some roles: for others the route does not exist. */
function Gate({ nav, children }: { nav: { min?: number; only?: number[] }; children: ReactNode }) {
  const me = useMe();
  if (!allowed(nav, me.role)) {
    return (
      <>
        <Title order={1}>Not available</Title>
        <Text mt="md">Your role ({ROLE_NAMES[me.role]}) has no access to this page.</Text>
      </>
    );
  }
  return <>{children}</>;
}

function Home() {
  const me = useMe();
  if (me.role < Role.member) return <Navigate to={me.role === Role.approved ? '/businesses' : '/account'} replace />;
  return <Dashboard />;
}

const member = { min: Role.member };
const admin = { only: [Role.systemAdmin] };

export function App() {
  const token = useSessionToken();
  const loc = useLocation();
  if (!token) {
    return (
      <Routes>
        <Route path="/register" element={<RegisterPage />} />
        <Route path="*" element={<LoginPage next={loc.pathname === '/login' ? '/' : loc.pathname + loc.search} />} />
      </Routes>
    );
  }
  return (
    <MeProvider fallback={({ error }) => (error ? <ErrorState error={error} /> : <Loading label="Signing in" />)}>
      <Shell>
        <Routes>
          <Route path="/" element={<Home />} />
          <Route path="/login" element={<Navigate to="/" replace />} />
          <Route path="/register" element={<Navigate to="/" replace />} />
          <Route
            path="/clusters"
            element={
              <Gate nav={member}>
                <ClustersPage />
              </Gate>
            }
          />
          <Route
            path="/clusters/:name"
            element={
              <Gate nav={member}>
                <ClusterDetail />
              </Gate>
            }
          />
          <Route
            path="/nodes"
            element={
              <Gate nav={member}>
                <Nodes />
              </Gate>
            }
          />
          <Route
            path="/apps"
            element={
              <Gate nav={member}>
                <Apps />
              </Gate>
            }
          />
          <Route
            path="/apps/new"
            element={
              <Gate nav={member}>
                <AppForm />
              </Gate>
            }
          />
          <Route
            path="/apps/:id"
            element={
              <Gate nav={member}>
                <AppDetail />
              </Gate>
            }
          />
          <Route
            path="/apps/:id/edit"
            element={
              <Gate nav={member}>
                <AppForm />
              </Gate>
            }
          />
          <Route
            path="/repository"
            element={
              <Gate nav={member}>
                <Repository />
              </Gate>
            }
          />
          <Route
            path="/repository/external"
            element={
              <Gate nav={member}>
                <External />
              </Gate>
            }
          />
          <Route
            path="/repository/:project"
            element={
              <Gate nav={member}>
                <Repository />
              </Gate>
            }
          />
          <Route
            path="/alerts"
            element={
              <Gate nav={member}>
                <Alerts />
              </Gate>
            }
          />
          <Route
            path="/reviews"
            element={
              <Gate nav={admin}>
                <Reviews />
              </Gate>
            }
          />
          <Route
            path="/reviews/:tab"
            element={
              <Gate nav={admin}>
                <Reviews />
              </Gate>
            }
          />
          <Route
            path="/reviews/apps/:id"
            element={
              <Gate nav={admin}>
                <AppReview />
              </Gate>
            }
          />
          <Route
            path="/users"
            element={
              <Gate nav={{ only: [Role.businessAdmin, Role.systemAdmin] }}>
                <Users />
              </Gate>
            }
          />
          <Route
            path="/businesses"
            element={
              <Gate nav={{ min: Role.approved }}>
                <Businesses />
              </Gate>
            }
          />
          <Route
            path="/settings"
            element={
              <Gate nav={admin}>
                <Settings />
              </Gate>
            }
          />
          <Route
            path="/audit"
            element={
              <Gate nav={admin}>
                <Audit />
              </Gate>
            }
          />
          <Route path="/account" element={<Account />} />
          <Route
            path="*"
            element={
              <>
                <Title order={1}>Page not found</Title>
                <Text mt="md">No console page at {loc.pathname}.</Text>
              </>
            }
          />
        </Routes>
      </Shell>
    </MeProvider>
  );
}
