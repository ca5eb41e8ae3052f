// @vitest-environment jsdom
// The full-screen error (start-up failures): the plain message for the error's key, the code and
// detail only under "Chi tiết kỹ thuật", and "Thử lại" calling back.
import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import ErrorScreen from '../../src/screens/ErrorScreen.svelte';
import { ApiError } from '../../src/lib/api';

describe('error screen', () => {
  it('shows the message for the key, the code in the details, and retries on tap', async () => {
    const onretry = vi.fn();
    const error = new ApiError({ code: 'db_too_new', message_key: 'errors.db_too_new', detail: 'schema 9 > 1' });
    render(ErrorScreen, { props: { error, onretry } });

    expect(screen.getByRole('heading').textContent).toBe('Không mở được dữ liệu');
    expect(screen.getByRole('alert').textContent).toBe('Dữ liệu này do phiên bản mới hơn tạo ra. Hãy cập nhật ứng dụng.');
    const details = screen.getByText('Chi tiết kỹ thuật').closest('details');
    expect(details?.open).toBe(false);
    expect(screen.getByTestId('error-code').textContent).toBe('db_too_new');
    expect(details?.textContent).toContain('schema 9 > 1');

    expect(onretry).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByRole('button', { name: 'Thử lại' }));
    expect(onretry).toHaveBeenCalledTimes(1);
  });

  it('an unknown key shows the general message, never the raw key', () => {
    const error = new ApiError({ code: 'x', message_key: 'no.such.key', detail: '' });
    render(ErrorScreen, { props: { error, onretry: () => {} } });
    expect(screen.getByRole('alert').textContent).toBe('Có lỗi xảy ra. Vui lòng thử lại.');
  });
});
