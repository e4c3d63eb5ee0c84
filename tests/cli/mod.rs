mod accounts;
mod backup;
mod keys;
mod list_pdf;
mod verify;
