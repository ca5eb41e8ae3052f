// Which screen shows for which path. Features register their screens here, one line each;
// sub-screens (one procedure, one person) are routes with captured parameters, passed to the
// screen as `params`. The first match wins; anything unmatched shows the tab's main screen.
import type { Component } from 'svelte';
import DossiersScreen from './screens/DossiersScreen.svelte';
import PeopleScreen from './screens/PeopleScreen.svelte';
import ProceduresScreen from './screens/ProceduresScreen.svelte';
import SettingsScreen from './screens/SettingsScreen.svelte';
import SyncScreen from './screens/SyncScreen.svelte';
import GuidesScreen from './screens/catalog/GuidesScreen.svelte';
import GuideScreen from './screens/catalog/GuideScreen.svelte';
import ProcedureScreen from './screens/catalog/ProcedureScreen.svelte';
import PhotoToolScreen from './screens/PhotoToolScreen.svelte';
import type { Tab } from './lib/router.svelte';
import PeopleScanScreen from './screens/people/PeopleScanScreen.svelte';
import PersonFormScreen from './screens/people/PersonFormScreen.svelte';
import PersonProfileScreen from './screens/people/PersonProfileScreen.svelte';
import HouseholdScreen from './screens/people/HouseholdScreen.svelte';
import DossierNewScreen from './screens/dossiers/DossierNewScreen.svelte';
import DossierFormScreen from './screens/dossiers/DossierFormScreen.svelte';
import DossierCheckScreen from './screens/dossiers/DossierCheckScreen.svelte';
import LookupScreen from './screens/dossiers/LookupScreen.svelte';
import SyncTimelineScreen from './screens/sync/SyncTimelineScreen.svelte';
import ReceiptScreen from './screens/after/ReceiptScreen.svelte';
import FeeScreen from './screens/after/FeeScreen.svelte';
import SupplementScreen from './screens/after/SupplementScreen.svelte';
import ResultScreen from './screens/after/ResultScreen.svelte';
import CancelScreen from './screens/after/CancelScreen.svelte';
import RateScreen from './screens/after/RateScreen.svelte';
import ConsentRequestScreen from './screens/consent/ConsentRequestScreen.svelte';
import ConsentGrantScreen from './screens/consent/ConsentGrantScreen.svelte';
import VolunteerQrScreen from './screens/consent/VolunteerQrScreen.svelte';
import RegisterScreen from './screens/account/RegisterScreen.svelte';
import OtpScreen from './screens/account/OtpScreen.svelte';
import ForgotScreen from './screens/account/ForgotScreen.svelte';
import PasswordScreen from './screens/account/PasswordScreen.svelte';
import DevicesScreen from './screens/account/DevicesScreen.svelte';
import ServerScreen from './screens/account/ServerScreen.svelte';
import ReportScreen from './screens/visits/ReportScreen.svelte';
import TeamReportScreen from './screens/visits/TeamReportScreen.svelte';
import VisitScreen from './screens/visits/VisitScreen.svelte';
import HandoffScreen from './screens/handoff/HandoffScreen.svelte';
import HandoffReceiveScreen from './screens/handoff/HandoffReceiveScreen.svelte';

export interface ScreenProps {
  params: string[];
}

export interface RouteDef {
  pattern: RegExp;
  component: Component<ScreenProps>;
}

export const routes: RouteDef[] = [
  { pattern: /^\/procedures$/, component: ProceduresScreen },
  { pattern: /^\/dossiers$/, component: DossiersScreen },
  { pattern: /^\/people$/, component: PeopleScreen },
  { pattern: /^\/sync$/, component: SyncScreen },
  { pattern: /^\/settings$/, component: SettingsScreen },
  { pattern: /^\/procedures\/guides$/, component: GuidesScreen },
  { pattern: /^\/procedures\/guides\/([a-z0-9-]+)$/, component: GuideScreen },
  { pattern: /^\/procedures\/([a-z0-9-]+)$/, component: ProcedureScreen },
  { pattern: /^\/dossiers\/photo$/, component: PhotoToolScreen },
  { pattern: /^\/dossiers\/lookup$/, component: LookupScreen },
  { pattern: /^\/people\/scan$/, component: PeopleScanScreen },
  { pattern: /^\/people\/new$/, component: PersonFormScreen },
  { pattern: /^\/people\/households\/([0-9a-f-]{36})$/, component: HouseholdScreen },
  { pattern: /^\/people\/visits\/([0-9a-f-]{36})$/, component: VisitScreen },
  { pattern: /^\/people\/([0-9a-f-]{36})\/edit$/, component: PersonFormScreen },
  { pattern: /^\/people\/([0-9a-f-]{36})\/consent$/, component: ConsentRequestScreen },
  { pattern: /^\/people\/([0-9a-f-]{36})\/handoff$/, component: HandoffScreen },
  { pattern: /^\/people\/receive$/, component: HandoffReceiveScreen },
  { pattern: /^\/sync\/consents$/, component: ConsentGrantScreen },
  { pattern: /^\/sync\/volunteer-qr$/, component: VolunteerQrScreen },
  { pattern: /^\/sync\/report$/, component: ReportScreen },
  { pattern: /^\/sync\/report\/team$/, component: TeamReportScreen },
  { pattern: /^\/people\/([0-9a-f-]{36})$/, component: PersonProfileScreen },
  { pattern: /^\/dossiers\/new\/([a-z0-9-]+)$/, component: DossierNewScreen },
  { pattern: /^\/dossiers\/([0-9a-f-]{36})\/step\/(\d{1,2})$/, component: DossierFormScreen },
  { pattern: /^\/dossiers\/([0-9a-f-]{36})\/check$/, component: DossierCheckScreen },
  { pattern: /^\/dossiers\/([0-9a-f-]{36})$/, component: DossierFormScreen },
  { pattern: /^\/sync\/dossiers\/([0-9a-zA-Z-]{1,64})$/, component: SyncTimelineScreen },
  { pattern: /^\/sync\/dossiers\/([0-9a-zA-Z-]{1,64})\/receipt$/, component: ReceiptScreen },
  { pattern: /^\/sync\/dossiers\/([0-9a-zA-Z-]{1,64})\/fee$/, component: FeeScreen },
  { pattern: /^\/sync\/dossiers\/([0-9a-zA-Z-]{1,64})\/supplement$/, component: SupplementScreen },
  { pattern: /^\/sync\/dossiers\/([0-9a-zA-Z-]{1,64})\/result$/, component: ResultScreen },
  { pattern: /^\/sync\/dossiers\/([0-9a-zA-Z-]{1,64})\/cancel$/, component: CancelScreen },
  { pattern: /^\/sync\/dossiers\/([0-9a-zA-Z-]{1,64})\/rate$/, component: RateScreen },
  { pattern: /^\/sync\/register$/, component: RegisterScreen },
  { pattern: /^\/sync\/verify$/, component: OtpScreen },
  { pattern: /^\/sync\/forgot$/, component: ForgotScreen },
  { pattern: /^\/sync\/password$/, component: PasswordScreen },
  { pattern: /^\/sync\/devices$/, component: DevicesScreen },
  { pattern: /^\/sync\/server$/, component: ServerScreen },
];

const TAB_SCREENS: Record<Tab, Component<ScreenProps>> = {
  procedures: ProceduresScreen,
  dossiers: DossiersScreen,
  people: PeopleScreen,
  sync: SyncScreen,
  settings: SettingsScreen,
};

/** The screen and its parameters for a path (query string ignored). */
export function resolve(path: string, tab: Tab): { component: Component<ScreenProps>; params: string[] } {
  const bare = path.split('?')[0] ?? path;
  for (const r of routes) {
    const m = r.pattern.exec(bare);
    if (m) return { component: r.component, params: m.slice(1).map((p) => decodeURIComponent(p ?? '')) };
  }
  return { component: TAB_SCREENS[tab], params: [] };
}
