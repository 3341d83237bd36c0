// Package localfile reads the local files tsctl is given — configurations,
// secret files, exports, saved plans — safely: only regular files, never
// more than a limit, and without ever blocking on a named pipe or a
// device. A FIFO, /dev/zero, a folder or a socket is refused at once.
package localfile
