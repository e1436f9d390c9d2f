import { afterEach, describe, expect, it } from 'vitest';
import { createKeyStore, KEY_STORAGE_NAME } from '../src/state/key-store.js';

describe('key store', () => {
  afterEach(() => localStorage.clear());

  it('keeps the key in localStorage across stores', () => {
    createKeyStore().set('abc');
    expect(localStorage.getItem(KEY_STORAGE_NAME)).toBe('abc');
    expect(createKeyStore().get()).toBe('abc');
  });

  it('forgets it on clear', () => {
    const keys = createKeyStore();
    keys.set('abc');
    keys.clear();
    expect(keys.get()).toBeUndefined();
    expect(localStorage.getItem(KEY_STORAGE_NAME)).toBeNull();
  });

  it('holds a key in memory only, leaving a stored read key for the next visit', () => {
    const keys = createKeyStore();
    keys.set('read-key');
    keys.hold('admin-key');
    expect(keys.get()).toBe('admin-key');
    expect(keys.held).toBe(true);
    expect(localStorage.getItem(KEY_STORAGE_NAME)).toBe('read-key');
    expect(createKeyStore().get()).toBe('read-key');
  });

  it('removes the stored copy of a key it is told to hold', () => {
    localStorage.setItem(KEY_STORAGE_NAME, 'admin-key');
    const keys = createKeyStore();
    keys.hold('admin-key');
    expect(keys.get()).toBe('admin-key');
    expect(localStorage.getItem(KEY_STORAGE_NAME)).toBeNull();
    keys.set('admin-key');
    expect(keys.held).toBe(false);
    expect(localStorage.getItem(KEY_STORAGE_NAME)).toBe('admin-key');
  });

  it('keeps working in memory when storage throws', () => {
    const throwing = () => {
      throw new DOMException('The operation is insecure.', 'SecurityError');
    };
    const keys = createKeyStore(throwing as () => Storage);
    expect(keys.get()).toBeUndefined();
    keys.set('abc');
    expect(keys.get()).toBe('abc');
    keys.clear();
    expect(keys.get()).toBeUndefined();
  });
});
