/**
 * Keys and packet protection: the job key every rank shares ({@link io.longhaul.transport.security.JobKey}),
 * the handshake's authentication and per-session key derivation (HKDF-SHA256, RFC 5869), and the
 * AEAD that seals every packet after the handshake ({@link io.longhaul.transport.security.PacketProtection}:
 * AES-256-GCM, the header as associated data, the packet number in the nonce).
 */
package io.longhaul.transport.security;
