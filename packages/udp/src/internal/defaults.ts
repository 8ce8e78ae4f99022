/** Default SO_RCVBUF request: room for several maximum-size datagrams between two reads. */
export const DEFAULT_RECV_BUFFER_SIZE = 1024 * 1024;

/** Smallest buffer size accepted: one maximum-size datagram must always fit. */
export const MIN_BUFFER_SIZE = 65_536;
