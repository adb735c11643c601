/**
 * TCP and UDP sockets of the dead kernel: {@code struct sock}/{@code tcp_sock} state, sequence
 * numbers and windows, and the bytes of the socket buffer queues (linear and paged {@code sk_buff}
 * data), read through the BTF-typed layer and turned into CRIU inet socket and tcp-stream images.
 */
package org.otherworld.agent.net;
