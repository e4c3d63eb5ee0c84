mod bundle;
mod tampering;
mod translations;
mod vectors;
