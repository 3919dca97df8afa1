// libzmq (ZeroMQ) for the Jupyter kernel's five sockets: the wire protocol (ZMTP) is the library's.
#include <zmq.h>
