//! The wire: listeners (TCP, Unix sockets) and the routers with their handlers.

pub mod routes;
pub mod server;
