//! The messages of `memlab all` and `memlab report`: progress, notes,
//! errors and option help.

use super::Message;

super::catalogue! {}
