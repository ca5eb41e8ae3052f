// @vitest-environment jsdom
// "Tra cứu hồ sơ" (src/screens/dossiers/LookupScreen.svelte): a photo of the receipt's QR code
// fills the code and asks for the second factor; a photo of another QR code says why not and
// fills nothing; the lookup then sends the scanned code.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import LookupScreen from '../../src/screens/dossiers/LookupScreen.svelte';
import { setLang } from '../../src/lib/i18n/index.svelte';
import { handlers as dossier } from '../../src/mocks/dossier';
import { reject, type Handlers } from '../../src/mocks/util';
import { fakeBackend, type FakeBackend } from './backend';

const CODE = '000.00.00.H00-261130-0007';
let backend: FakeBackend;
// The fake Rust side reads the "photo" as text: a receipt's photo holds a link with the code.
const base: Handlers = {
  dossier_lookup: dossier.dossier_lookup,
  dossier_lookup_scan_image: (args) => {
    const text = new TextDecoder().decode(args as unknown as Uint8Array);
    return text.startsWith('receipt:')
      ? text.slice('receipt:'.length)
      : reject('receipt_qr_invalid', 'lookup.error.qr', 'test: not a receipt QR');
  },
};

function photo(text: string): void {
  const input = screen.getByTestId('lookup-scan') as HTMLInputElement;
  const file = new File([text], 'qr.jpg', { type: 'image/jpeg' });
  Object.defineProperty(input, 'files', { value: [file], configurable: true });
  void fireEvent.change(input);
}

beforeEach(() => {
  // jsdom lays nothing out and has no scrollIntoView; the screen scrolls its answers into view.
  Element.prototype.scrollIntoView = () => {};
  setLang('vi');
  backend = fakeBackend(base);
});

afterEach(() => {
  expect(backend.unexpected).toEqual([]);
});

describe('lookup by a scanned receipt', () => {
  it('takes the code from a receipt QR and refuses any other QR code', async () => {
    render(LookupScreen, { props: { params: [] } });
    const code = screen.getByTestId('lookup-code') as HTMLInputElement;

    photo('DVCVOL1:someone');
    await waitFor(() => expect(screen.getByTestId('lookup-error').textContent).toContain('không có mã hồ sơ'));
    expect(code.value).toBe('');
    expect(screen.queryByTestId('lookup-scanned')).toBeNull();

    photo(`receipt:${CODE}`);
    await waitFor(() => expect(code.value).toBe(CODE));
    expect(screen.getByTestId('lookup-scanned').textContent).toContain('Đã đọc mã hồ sơ');
    expect(screen.queryByTestId('lookup-error')).toBeNull();
    expect(document.activeElement).toBe(screen.getByTestId('lookup-factor'));

    await fireEvent.input(screen.getByTestId('lookup-factor'), { target: { value: '6789' } });
    await fireEvent.submit(screen.getByTestId('lookup-form'));
    await waitFor(() => expect(screen.getByTestId('lookup-found-code').textContent).toBe(CODE));
    expect(backend.argsOf('dossier_lookup')).toEqual([{ code: CODE, factor: '6789' }]);
  });
});

describe('adding a looked-up dossier to My dossiers', () => {
  async function lookUp(factor: string) {
    await fireEvent.input(screen.getByTestId('lookup-code'), { target: { value: ` ${CODE} ` } });
    await fireEvent.input(screen.getByTestId('lookup-factor'), { target: { value: factor } });
    await fireEvent.submit(screen.getByTestId('lookup-form'));
    await waitFor(() => expect(screen.getByTestId('lookup-found-code').textContent).toBe(CODE));
  }

  it('offers it only when the app can, sends what was looked up, and says it was added', async () => {
    backend = fakeBackend({
      ...base,
      dossier_lookup: (args) => ({ ...dossier.dossier_lookup(args), can_claim: true }),
      dossier_lookup_claim: dossier.dossier_lookup_claim,
    });
    render(LookupScreen, { props: { params: [] } });
    await lookUp('0912345678');
    expect(screen.queryByTestId('lookup-mine')).toBeNull();
    // Editing the fields afterwards does not change what is added.
    await fireEvent.input(screen.getByTestId('lookup-factor'), { target: { value: '1111' } });
    await fireEvent.click(screen.getByTestId('lookup-claim'));
    await waitFor(() => expect(screen.getByTestId('lookup-added').textContent).toContain('Đã thêm vào Hồ sơ của tôi'));
    expect(backend.argsOf('dossier_lookup_claim')).toEqual([{ code: CODE, factor: '0912345678' }]);
    expect(screen.queryByTestId('lookup-claim')).toBeNull();
    expect(screen.getByTestId('lookup-open-mine')).toBeTruthy();
  });

  it('says why when the dossier does not name the account, and adds nothing', async () => {
    backend = fakeBackend({
      ...base,
      dossier_lookup: (args) => ({ ...dossier.dossier_lookup(args), can_claim: true }),
      dossier_lookup_claim: dossier.dossier_lookup_claim,
    });
    render(LookupScreen, { props: { params: [] } });
    await lookUp('6789');
    await fireEvent.click(screen.getByTestId('lookup-claim'));
    await waitFor(() => expect(screen.getByTestId('lookup-error').textContent).toContain('không ghi số điện thoại'));
    expect(screen.queryByTestId('lookup-added')).toBeNull();
    expect(screen.getByTestId('lookup-claim')).toBeTruthy();
  });

  it('shows no button when the app cannot add it (signed out, or already yours)', async () => {
    render(LookupScreen, { props: { params: [] } });
    await lookUp('6789');
    expect(screen.queryByTestId('lookup-claim')).toBeNull();
  });
});
